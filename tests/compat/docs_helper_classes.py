# Helper for docs_charm_api.py: a chare type registered only through
# charm.start(classes=[...]) (this module is not in `modules`).
from charmpy import Chare


class RegisteredByClass(Chare):

    def __init__(self, tag):
        self.tag = tag

    def describe(self):
        return (self.thisIndex, self.tag)
