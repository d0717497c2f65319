"""OT-CFM training steps per second with torchcfm (PyTorch, CPU), the network and batch of
`gradflow train otcfm`: a (d+1) -> 256 -> 256 -> 256 -> d SiLU MLP of (x, t), batch 256,
Adam 1e-3, source N(0, I_d), target rows drawn with replacement from the data file,
torchcfm's ExactOptimalTransportConditionalFlowMatcher (sigma = 0: the straight path of the
exact minibatch OT coupling, as gradflow's otcfm).

Prints one JSON row: {"impl": "torchcfm", "d", "threads", "steps", "seconds", "steps_per_s"}.

Usage: otcfm_torchcfm.py DATA.npy THREADS STEPS (run it under `taskset` on THREADS cores).
"""

import json
import sys
import time

from common import limit_threads

DATA, THREADS, STEPS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
BATCH, WIDTH, WARMUP = 256, 256, 20
limit_threads(THREADS)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torchcfm.conditional_flow_matching import (  # noqa: E402
    ExactOptimalTransportConditionalFlowMatcher,
)

torch.set_num_threads(THREADS)
torch.manual_seed(0)
data = torch.from_numpy(np.load(DATA).astype(np.float32))
n, d = data.shape
net = torch.nn.Sequential(
    torch.nn.Linear(d + 1, WIDTH),
    torch.nn.SiLU(),
    torch.nn.Linear(WIDTH, WIDTH),
    torch.nn.SiLU(),
    torch.nn.Linear(WIDTH, WIDTH),
    torch.nn.SiLU(),
    torch.nn.Linear(WIDTH, d),
)
adam = torch.optim.Adam(net.parameters(), lr=1e-3)
matcher = ExactOptimalTransportConditionalFlowMatcher(sigma=0.0)


def step():
    x0 = torch.randn(BATCH, d)
    x1 = data[torch.randint(n, (BATCH,))]
    t, xt, ut = matcher.sample_location_and_conditional_flow(x0, x1)
    v = net(torch.cat([xt, t[:, None]], dim=1))
    loss = ((v - ut) ** 2).mean()
    adam.zero_grad()
    loss.backward()
    adam.step()


for _ in range(WARMUP):
    step()
start = time.perf_counter()
for _ in range(STEPS):
    step()
seconds = time.perf_counter() - start
row = {"impl": "torchcfm", "d": d, "threads": THREADS, "steps": STEPS}
row.update(seconds=round(seconds, 3), steps_per_s=round(STEPS / seconds, 2))
print(json.dumps(row), flush=True)
