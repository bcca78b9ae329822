"""The EV simulator: a physically credible car that provides the default catalog's signals.

Flow: a `Scenario` (YAML, validated) -> `SimVehicle` (powertrain, battery, cabin, body,
position, stepped at 10 Hz of simulated time) -> either `simulate(scenario, seconds)`, a time
series without a broker, or `run_simulator(client, scenario)`, which claims the actuators,
applies requested targets over time and publishes batches through the client API.

    from renkei.vehicle.sim import builtin_scenario, simulate
    record = simulate(builtin_scenario("winter_commute_beijing"), 900)
    print(record.soc_percent[-1], record.cabin_c[-1])
"""

from renkei.vehicle.sim.adapter import run_simulator
from renkei.vehicle.sim.scenario import (
    DEFAULT_SCENARIO,
    Scenario,
    ScenarioError,
    builtin_scenario,
    builtin_scenario_names,
    load_scenario,
)
from renkei.vehicle.sim.vehicle import SimRecord, SimVehicle, simulate

__all__ = [
    "DEFAULT_SCENARIO",
    "Scenario",
    "ScenarioError",
    "SimRecord",
    "SimVehicle",
    "builtin_scenario",
    "builtin_scenario_names",
    "load_scenario",
    "run_simulator",
    "simulate",
]
