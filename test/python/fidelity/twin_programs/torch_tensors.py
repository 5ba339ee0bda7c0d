# Twin program: torch tensors of every kind the recorder meets (dtypes, views, in-place writes, moves by
# resize_/set_, parameters inside a module, autograd, tensors it must not read: meta, sparse, quantized, lazy
# conjugates, subclasses with __torch_function__ / __torch_dispatch__): both recorder cores must record it
# identically (test_cores_agree.py). Needs torch; the test skips it where torch does not import.
import torch


class Logged(torch.Tensor):
    """Its __torch_function__ counts the calls that reach it: the recorder must never add any."""
    calls = 0

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        Logged.calls += 1
        return super().__torch_function__(func, types, args, kwargs or {})


class Dispatching(torch.Tensor):
    """A wrapper subclass with its own __torch_dispatch__: recorded as an opaque object, never read."""

    @staticmethod
    def __new__(cls, inner):
        return torch.Tensor._make_wrapper_subclass(cls, inner.shape, dtype=inner.dtype)

    def __init__(self, inner):
        self.inner = inner

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        raise RuntimeError("the recorder must not dispatch to me")


def train(model, x, y, epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main():
    torch.manual_seed(0)
    t = torch.zeros(2, 3)
    t[1, 2] = 5.0
    t.add_(1)
    column = t[:, 1]
    column.mul_(3)
    flipped = t.t()
    flipped[0, 1] = -1.5
    reshaped = t.view(3, 2)
    reshaped[2, 0] = 0.25
    a, b = torch.arange(4.0), torch.ones(4)
    torch.add(a, b, out=a)
    scalar = torch.tensor(3.5)
    scalar += 1
    empty = torch.empty(0, 3)
    big = torch.arange(1000, dtype=torch.float64)
    big[3] = -1
    window = big[10:20]
    window.mul_(2)
    dtypes = [torch.zeros(3, dtype=d) for d in (torch.float16, torch.bfloat16, torch.float64, torch.int8,
                                                  torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool,
                                                  torch.complex64, torch.complex128)]
    dtypes[1][0] = 0.1
    dtypes[8][2] = True
    dtypes[9][1] = 1 - 2j
    nan = torch.tensor([float("nan"), 0.0])
    nan[1] = -0.0  # a change only the bytes show
    grown = torch.ones(3)
    grown.resize_(50).fill_(2)  # one line: the new memory is not initialised (the next step's snapshot sees it)
    moved = torch.zeros(4)
    moved.set_(torch.full((6,), 7.0).storage())
    transposed = torch.zeros(2, 3)
    transposed.t_()
    meta = torch.empty(3, device="meta")
    sparse = torch.zeros(3).to_sparse()
    quantized = torch.quantize_per_tensor(torch.zeros(3), 0.1, 0, torch.qint8)
    lazy = torch.tensor([1 + 1j]).conj()
    logged = torch.zeros(3).as_subclass(Logged)
    calls_before = Logged.calls
    logged.data[0] = 2.0
    dispatching = Dispatching(torch.zeros(2))
    model = torch.nn.Linear(3, 2)
    x = torch.randn(8, 3)
    y = torch.randn(8, 2)
    losses = train(model, x, y, 3)
    with torch.no_grad():
        model.weight[0, 0] = 0.5
    grad = model.weight.grad
    return (t, column, flipped, reshaped, a, b, scalar, empty, window, dtypes, nan, grown, moved, transposed, meta,
            sparse, quantized, lazy, logged, calls_before, dispatching, losses, grad)


result = main()
print("Logged calls by the program itself:", Logged.calls)
