"""`python -m demo.datasets NAME...`: unpack the shipped data sets into data/datasets/ and print where."""
import sys

from demo.datasets import unpacked

for name in sys.argv[1:]:
    print(unpacked(name))
