# Doc page: charm-api.rst, "Remote code execution". Behaviours asserted:
#  - with charm.options.remote_exec = True (set before charm.start), charm.exec(code,
#    module_name) runs Python code on the PEs it is called on, with that module's
#    globals (a broadcast runs it everywhere);
#  - charm.eval(expression, module_name) evaluates on one PE and ret=True returns the
#    value; both are called remotely through charm.thisProxy.
from charmpy import charm

import docs_helper_module

charm.options.remote_exec = True


def main(args):
    n = charm.numPes()
    charm.thisProxy.exec('VALUE = 10 * 7', awaitable=True).get()
    assert charm.thisProxy[n - 1].eval('VALUE + 1', ret=True).get() == 71
    assert charm.thisProxy.eval('VALUE', ret=True).get() == [70] * n
    charm.thisProxy[n - 1].exec('import charmpy\nVALUE = charmpy.charm.myPe()',
                                awaitable=True).get()
    assert charm.thisProxy.eval('VALUE', ret=True).get() == [70] * (n - 1) + [n - 1]
    charm.thisProxy.exec("SETTING = 'from exec'", 'docs_helper_module', awaitable=True).get()
    assert charm.thisProxy.eval('SETTING', 'docs_helper_module', ret=True).get() == \
        ['from exec'] * n
    assert docs_helper_module.SETTING == 'from exec'
    print('docs_remote_exec: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
