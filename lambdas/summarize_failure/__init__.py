"""SummarizeFailure: the readable SNS message of an execution that ends in failure."""
