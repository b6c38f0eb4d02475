"""A module of test_readonlies.py: reads readonlies and module globals from elsewhere."""
from charmpy import readonlies as ro

SETTING = 'unset'


def readonly_seen():
    return ro.after_creation


def setting():
    return SETTING
