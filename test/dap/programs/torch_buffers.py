"""Tensors for the DAP tensor tests (torch: run with Debian's /usr/bin/python3 and python3-torch). Writes by a
line, by a callee through a transposed view, by torch.add(..., out=), a bfloat16 tensor, an nn.Linear's weight
updated by an optimizer. At each `snap` line the program saves its own values (repr() of every element's
Python number, in C order, and torch's repr() of the tensor) to the JSON file named by argv[1]: the tests
compare the recording with them."""
import json
import sys

import torch

SNAPS = {}


def snap(label, tensor):
    SNAPS[label] = [repr(x) for x in tensor.detach().reshape(-1).tolist()]  # @snap_body
    SNAPS[label + ".repr"] = repr(tensor.detach())


def scale_column(view):
    view[:, 1] *= 10  # @scale


def main():
    torch.manual_seed(0)
    t = torch.zeros(2, 3)
    t[1, 2] = 0.5  # @set
    snap("after_set", t)  # @after_set
    scale_column(t.t())  # @call_scale
    t[0] = torch.tensor([0.1, 0.2, 0.3])  # @set_row
    snap("after_row", t)  # @after_row
    torch.add(t, 1, out=t)  # @add
    snap("after_add", t)  # @after_add
    half = torch.tensor([0.1, 1.5, -2.0], dtype=torch.bfloat16)
    half[2] = 3.14159  # @set_half
    snap("half", half)  # @half
    model = torch.nn.Linear(4, 2)
    weight = model.weight
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = model(torch.ones(1, 4)).sum()
    loss.backward()
    snap("weight_before", weight)  # @weight_before
    optimizer.step()  # @step
    snap("weight_after", weight)  # @weight_after
    return t, half, weight  # @end


main()
with open(sys.argv[1], "w") as out:
    json.dump(SNAPS, out)
