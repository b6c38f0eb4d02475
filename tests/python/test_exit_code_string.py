# expect-exit-code: 1
# charm.exit('bye') follows sys.exit: the string goes to stderr and the code is 1
# (CMakeLists.txt also checks that 'bye' is printed).
from charmpy import charm


def main(args):
    charm.exit('bye')


charm.start(main)
