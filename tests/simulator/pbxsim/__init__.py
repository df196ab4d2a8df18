"""pbxsim: an HTTP simulator of the cloud-PBX REST API (phone terminal resource and friends).

    from pbxsim import Simulator
    with Simulator() as sim:          # demo seed, free port
        print(sim.url)
"""

from .seed import DEFAULT_SEED, SeedError, load_seed
from .server import Simulator

__all__ = ["Simulator", "SeedError", "load_seed", "DEFAULT_SEED"]
__version__ = "1.0.0"
