"""Interoperability with pharmacy systems: HL7 FHIR R4 in (MedicationRequest) and out
(MedicationDispense, Medication)."""
