"""Object graph: a frame holds 300 instances in a dict while most of its lines compute on scalars; every 50th
iteration moves one particle in place. What a recorder pays here depends on how often it re-reads the graph.

Usage: python object_graph.py [iterations]
"""
import sys


class Particle:
    def __init__(self, i):
        self.x = float(i)
        self.v = 1.0 + i % 3
        self.tags = ["p", i]


def simulate(particles, steps):
    total = 0.0
    for s in range(steps):
        k = s % 7
        total += k * 0.5
        total -= k * 0.25
        if s % 50 == 0:
            p = particles[s % len(particles)]
            p.x += p.v
    return total


def main(steps):
    particles = {i: Particle(i) for i in range(300)}
    return simulate(particles, steps), sum(p.x for p in particles.values())


if __name__ == "__main__":
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
