import pathlib
import sys

# Tests share a helper module (oracle.py) that sits beside them; pytest's rootdir conftest
# makes this folder importable for that one helper. The package itself is always the installed one.
sys.path.insert(0, str(pathlib.Path(__file__).parent))
