"""Channels (`Channel(chare, remote=proxy)`): direct, ordered streams between two
chares. Not available yet: they come with a later issue."""


class Channel:
    """A channel between the local chare and a remote one (not available yet).

    Creating one raises NotImplementedError; use `proxy.method(..., ret=True)` and
    futures meanwhile.
    """

    def __init__(self, chare, remote, local=None):
        raise NotImplementedError('Channel is not supported yet (channels come with a later '
                                  'issue); use proxy.method(..., ret=True) and futures')
