"""DeactivateCa: UpdateCACertificate newStatus=INACTIVE, newAutoRegistrationStatus=DISABLE."""
