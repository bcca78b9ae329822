"""Vehicle apps, one folder per capability (home, devices, assistant, ...).

An app talks to the car only through `renkei.client.VehicleClient` and never
imports another app; apps meet on VSS signals.
"""
