"""AWS CDK app of the IoT CA revocation workflow: one stack composed of one construct per concern."""
