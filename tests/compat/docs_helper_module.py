# Helper for docs_charm_api.py: a chare type registered through charm.start(modules=[...]),
# and a module whose globals charm.thisProxy.updateGlobals updates.
from charmpy import charm, Chare

SETTING = 'unset'


class RegisteredByModule(Chare):

    def where(self):
        return charm.myPe()

    def setting(self):
        return SETTING
