"""A parameter server with Ray-style actors (charmpy.ray, i.e. charm4py.ray), in the
shape of charm4py's examples/ray/parameter_server.py, with NumPy models instead of
PyTorch: linear regression (least squares) or logistic regression on synthetic
data. One ParameterServer actor holds the weights; W DataWorker actors each hold
a shard of the data and compute the gradient of one mini-batch at the weights
they are given.

- Synchronous: every iteration, all workers compute a gradient at the current
  weights (a reference, passed straight from the server to the workers) and the
  server applies their sum. The result is deterministic, so it is checked against
  the same training replayed serially in NumPy (equal to 1e-12).
- Asynchronous: a ray.wait loop applies each gradient as soon as it arrives and
  sends that worker the new weights at once; workers never wait for each other.

Both must cut the held-out loss by the given factor and (linear) land near the
least-squares solution of all the workers' data.

    mpirun -n 2 build/bin/charmpy-run apps/ray/parameter_server.py [--model linear|logistic]
        [--mode sync|async|both] [--workers 4] [--iterations 50]
"""
import argparse
import time

import numpy as np
from charm4py import charm, ray

DIM = 10
SEED = 2024
W_TRUE = np.linspace(-1.0, 1.0, DIM)


def make_data(seed, samples, model):
    """A reproducible shard: X ~ N(0, 1); y = X w* + noise (linear) or a label
    drawn with probability sigmoid(3 X w*) (logistic, y in {0, 1})."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(samples, DIM))
    if model == 'linear':
        y = X @ W_TRUE + 0.1 * rng.normal(size=samples)
    else:
        y = (rng.random(samples) < 1.0 / (1.0 + np.exp(-3.0 * (X @ W_TRUE)))).astype(np.float64)
    return X, y


def loss(model, w, X, y):
    z = X @ w
    if model == 'linear':
        return 0.5 * np.mean((z - y) ** 2)
    return np.mean(np.logaddexp(0.0, z) - y * z)


def gradient(model, w, X, y):
    z = X @ w
    if model == 'linear':
        return X.T @ (z - y) / len(y)
    return X.T @ (1.0 / (1.0 + np.exp(-z)) - y) / len(y)


class Shard(object):
    """A worker's data and its walk through it in mini-batches, shared by the actor
    and the serial replay so that both see the same batches."""

    def __init__(self, index, model, samples, batch):
        self.X, self.y = make_data(SEED + 1 + index, samples, model)
        self.model, self.batch, self.next = model, batch, 0

    def next_gradient(self, weights):
        rows = slice(self.next, self.next + self.batch)
        self.next = (self.next + self.batch) % len(self.y)
        return gradient(self.model, weights, self.X[rows], self.y[rows])


def apply(weights, lr, gradients):
    return weights - lr * np.stack(gradients).sum(axis=0)


@ray.remote
class ParameterServer(object):

    def __init__(self, lr):
        self.weights = np.zeros(DIM)
        self.lr = lr
        self.updates = 0

    def apply_gradients(self, *gradients):
        self.weights = apply(self.weights, self.lr, gradients)
        self.updates += 1
        return self.weights

    def get_weights(self):
        return self.weights

    def get_updates(self):
        return self.updates


@ray.remote
class DataWorker(object):

    def __init__(self, index, model, samples, batch):
        self.shard = Shard(index, model, samples, batch)
        self.gradients = 0

    def compute_gradients(self, weights):
        self.gradients += 1
        return self.shard.next_gradient(weights)

    def where(self):
        return charm.myPe()


def report(name, i, model, weights, test):
    value = loss(model, weights, *test)
    extra = ''
    if model == 'logistic':
        extra = ', accuracy %.3f' % np.mean(((test[0] @ weights) > 0) == (test[1] > 0.5))
    print('%s iter %3d: test loss %.5f%s' % (name, i, value, extra))
    return value


def sync_train(opts, test):
    ps = ParameterServer.remote(opts.lr)
    workers = [DataWorker.remote(i, opts.model, opts.samples, opts.batch) for i in range(opts.workers)]
    print('workers on PEs %s' % ray.get([w.where.remote() for w in workers]))
    current_weights = ps.get_weights.remote()
    losses = [report('sync ', 0, opts.model, ray.get(current_weights), test)]
    for i in range(1, opts.iterations + 1):
        gradients = [worker.compute_gradients.remote(current_weights) for worker in workers]
        # The update starts when all the gradients are there.
        current_weights = ps.apply_gradients.remote(*gradients)
        if i % 10 == 0 or i == opts.iterations:
            losses.append(report('sync ', i, opts.model, ray.get(current_weights), test))
    weights = ray.get(current_weights)

    # The same training, serially: same shards, same batches, same order of the sum.
    shards = [Shard(i, opts.model, opts.samples, opts.batch) for i in range(opts.workers)]
    replay = np.zeros(DIM)
    for _ in range(opts.iterations):
        replay = apply(replay, opts.lr, [s.next_gradient(replay) for s in shards])
    difference = np.max(np.abs(weights - replay))
    print('sync : weights equal a serial replay of the training to %.1e' % difference)
    assert np.allclose(weights, replay, rtol=1e-12, atol=1e-14), difference
    assert ray.get(ps.get_updates.remote()) == opts.iterations
    return weights, losses


def async_train(opts, test):
    ps = ParameterServer.remote(opts.lr)
    workers = [DataWorker.remote(i, opts.model, opts.samples, opts.batch) for i in range(opts.workers)]
    current_weights = ps.get_weights.remote()
    losses = [report('async', 0, opts.model, ray.get(current_weights), test)]
    gradients = {}
    for worker in workers:
        gradients[worker.compute_gradients.remote(current_weights)] = worker
    per_worker = {id(w): 0 for w in workers}
    updates = opts.iterations * opts.workers
    for i in range(1, updates + 1):
        ready_gradient_list, _ = ray.wait(list(gradients))
        ready_gradient_id = ready_gradient_list[0]
        worker = gradients.pop(ready_gradient_id)
        per_worker[id(worker)] += 1
        # Apply this gradient alone and give its worker the new weights at once.
        current_weights = ps.apply_gradients.remote(ready_gradient_id)
        gradients[worker.compute_gradients.remote(current_weights)] = worker
        if i % (10 * opts.workers) == 0 or i == updates:
            losses.append(report('async', i, opts.model, ray.get(current_weights), test))
    weights = ray.get(current_weights)
    print('async: gradients applied per worker: %s' % sorted(per_worker.values()))
    assert sum(per_worker.values()) == updates
    assert ray.get(ps.get_updates.remote()) == updates
    ray.wait(list(gradients), num_returns=len(gradients))   # the last round, unused
    return weights, losses


def check(name, opts, weights, losses, test):
    assert losses[-1] < losses[0] / opts.loss_factor, \
        '%s: the loss went from %g to %g only' % (name, losses[0], losses[-1])
    if opts.model == 'linear':
        # The least-squares fit of all the workers' data.
        X = np.concatenate([make_data(SEED + 1 + i, opts.samples, 'linear')[0] for i in range(opts.workers)])
        y = np.concatenate([make_data(SEED + 1 + i, opts.samples, 'linear')[1] for i in range(opts.workers)])
        best = np.linalg.lstsq(X, y, rcond=None)[0]
        distance = np.linalg.norm(weights - best)
        print('%s: distance to the least-squares solution %.4f' % (name, distance))
        assert distance < 0.05, distance
    else:
        accuracy = np.mean(((test[0] @ weights) > 0) == (test[1] > 0.5))
        assert accuracy > 0.8, accuracy
        cosine = np.dot(weights, W_TRUE) / (np.linalg.norm(weights) * np.linalg.norm(W_TRUE))
        print('%s: accuracy %.3f, cosine to the true weights %.3f' % (name, accuracy, cosine))
        assert cosine > 0.9, cosine
    print('%s: loss %.5f -> %.5f' % (name, losses[0], losses[-1]))


def main(args):
    parser = argparse.ArgumentParser(prog='parameter_server.py', description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', choices=('linear', 'logistic'), default='linear')
    parser.add_argument('--mode', choices=('sync', 'async', 'both'), default='both')
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--iterations', type=int, default=50)
    parser.add_argument('--samples', type=int, default=2000, help='per worker')
    parser.add_argument('--batch', type=int, default=100)
    parser.add_argument('--lr', type=float, default=None)
    opts = parser.parse_args(args[1:])
    if opts.lr is None:
        opts.lr = 0.1 if opts.model == 'linear' else 0.5
    opts.loss_factor = 20.0 if opts.model == 'linear' else 2.0
    ray.init()
    test = make_data(SEED, 5000, opts.model)
    print('%s regression, %d features, %d workers x %d samples, batches of %d, lr %g, %d PEs'
          % (opts.model, DIM, opts.workers, opts.samples, opts.batch, opts.lr, charm.numPes()))
    for name, train in (('sync', sync_train), ('async', async_train)):
        if opts.mode in (name, 'both'):
            print('Running %s parameter server training.' % ('synchronous' if name == 'sync' else 'asynchronous'))
            t0 = time.perf_counter()
            weights, losses = train(opts, test)
            print('%s: %.3f s' % (name, time.perf_counter() - t0))
            check(name, opts, weights, losses, test)
    print('parameter server: all checks passed')
    charm.exit()


charm.start(main)
