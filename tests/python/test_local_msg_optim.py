# charm.options.local_msg_optim = True (set before charm.start): same-PE calls pass
# the argument objects themselves (no copy), the documented opt-in of charm4py.
from charm4py import charm, Chare, Array, coro

charm.options.local_msg_optim = True


class Box(Chare):

    def keep(self, obj):
        self.obj = obj

    def mutate(self):
        self.obj.append('receiver')


class Owner(Chare):

    @coro
    def run(self, box):
        data = ['sender']
        box.keep(data)
        box.mutate(awaitable=True).get()
        return data


def main(args):
    box = Array(Box, 1)                        # element 0 on PE 0
    owner = Chare(Owner, onPE=0)
    assert owner.run(box[0], ret=True).get() == ['sender', 'receiver']
    print('test_local_msg_optim: ok')
    charm.exit(0)


charm.start(main)
