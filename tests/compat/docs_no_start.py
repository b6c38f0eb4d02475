# Doc page: charm-api.rst, note under charm.start(). Behaviour asserted (by the ctest that
# runs this program): a program that imports charm4py and exits without calling
# charm.start() gets a warning printed (the test greps for "charm.start").
import charm4py  # noqa: F401

print('docs_no_start: exiting without charm.start()')
