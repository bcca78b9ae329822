"""Vehicle adapters: the owners of the car's sensors and actuators.

`sim` (the EV simulator, default for `renkei run`), `can` (DBC-mapped CAN buses
and log replay). Each publishes through `renkei.client.VehicleClient`, so apps
cannot tell a simulated car from a real one.
"""
