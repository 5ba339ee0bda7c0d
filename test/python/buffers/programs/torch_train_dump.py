"""A small torch training loop (torch.nn.Linear layers, SGD with momentum) that saves the real weights after
every epoch (torch.save), so a test can compare them with the recording. Usage:
python torch_train_dump.py DUMP_DIR [epochs] [hidden]"""
import os
import sys

import torch


def dump(folder, epoch, w1, b1, w2):
    torch.save({"w1": w1.detach().clone(), "b1": b1.detach().clone(), "w2": w2.detach().clone()},
               os.path.join(folder, "weights-%d.pt" % epoch))


def main(folder, epochs, hidden):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x = torch.randn(64, 32)
    y = (x[:, :4].sum(dim=1, keepdim=True) > 0).float()
    model = torch.nn.Sequential(torch.nn.Linear(32, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    w1, b1, w2 = model[0].weight, model[0].bias, model[2].weight
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if epoch % 4 == 0:
            with torch.no_grad():
                w1[0, :] *= 0.5  # a partial in-place write between optimizer steps
        dump(folder, epoch, w1, b1, w2)  # @dump
    return loss.item()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10, int(sys.argv[3]) if len(sys.argv) > 3 else 1024)
