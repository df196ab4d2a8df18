# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.telphin.pbx`` and the simulator importable when pytest runs from a checkout.

The collection must sit at ``ansible_collections/telphin/pbx``; a link under .build/ (git-ignored)
points there, as `make link` creates it.
"""

import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS = ROOT / ".build" / "collections"
LINK = COLLECTIONS / "ansible_collections" / "telphin" / "pbx"

if not LINK.exists():
    LINK.parent.mkdir(parents=True, exist_ok=True)
    try:
        LINK.symlink_to(ROOT)
    except FileExistsError:  # another xdist worker made it first
        pass
for path in (str(COLLECTIONS), str(ROOT / "tests" / "simulator")):
    if path not in sys.path:
        sys.path.insert(0, path)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS))
