#!/usr/bin/env python3
"""flowkit vs PyTorch on the standard workloads W1-W5 (bench/WORKLOADS.md), in one run.

    python3 bench/peers.py [--workloads W1,W2,W3,W4,W5] [--rounds 2] [--flowkit .build/release/flowkit]
                           [--device opencl] [--torch-device cuda] [--no-venv]

--torch-device cuda times PyTorch on the GPU (for the GPU run, scripts/gpu-check.sh); --no-venv
(or FLOWKIT_PEERS_NO_VENV=1) uses the running interpreter's packages instead of bench/.venv, for a
host without internet whose Python already has torch and safetensors (and nflows for W5).

Creates bench/.venv and installs bench/requirements.txt on first use, then for each workload:
  1. cross-checks that both sides compute the same model: flowkit exports its weights (its
     documented names and layouts), one batch and its log-densities; PyTorch loads the weights
     and must agree on log_prob to 1e-4 relative;
  2. measures flowkit and PyTorch alternately (A B A B ...), each in its own process with two
     threads, with the same protocol (train / logprob / sample throughput, peak RSS);
and prints a table with the ratio flowkit/PyTorch for every figure.

W1-W4 are plain PyTorch; W5's peer is nflows' spline coupling (its rational-quadratic spline
code, with a plain-torch conditioner), since the spline op is what that comparison is about.
"""
import argparse, json, math, os, resource, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, ".venv")


def ensure_venv():
    """Re-runs this script inside bench/.venv, creating it and installing requirements first.

    The installed requirements are recorded in the venv, so an interrupted install, or a
    requirements.txt changed since, installs again instead of running with missing packages.
    """
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV) or "--no-venv" in sys.argv or os.environ.get("FLOWKIT_PEERS_NO_VENV") == "1":
        return
    python = os.path.join(VENV, "bin", "python")
    requirements = os.path.join(HERE, "requirements.txt")
    stamp = os.path.join(VENV, "requirements.installed")
    with open(requirements) as f:
        wanted = f.read()
    installed = open(stamp).read() if os.path.exists(stamp) else None
    if installed != wanted:
        if not os.path.exists(python):
            subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([python, "-m", "pip", "install", "-q", "-r", requirements])
        with open(stamp, "w") as f:
            f.write(wanted)
    os.execv(python, [python] + sys.argv)


# ---------------------------------------------------------------- the models, per the contract

def build_models():
    import torch
    from torch import nn

    class W1(nn.Module):
        """8 affine couplings; layer k conditions on x[k % 2], MLP 1-128-128-2, h = (h_s, h_t)."""
        def __init__(self):
            super().__init__()
            self.nets = nn.ModuleList(nn.Sequential(nn.Linear(1, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2)) for _ in range(8))
            for net in self.nets:
                nn.init.zeros_(net[4].weight); nn.init.zeros_(net[4].bias)

        def forward(self, x):
            logdet = torch.zeros(x.shape[0], device=x.device)
            for k, net in enumerate(self.nets):
                a, b = k % 2, 1 - k % 2
                h = net(x[:, a:a + 1])
                s, t = torch.tanh(h[:, :1]), h[:, 1:]
                yb = x[:, b:b + 1] * torch.exp(s) + t
                x = torch.cat([x[:, :1], yb], 1) if b == 1 else torch.cat([yb, x[:, 1:]], 1)
                logdet = logdet + s[:, 0]
            return x, logdet

        def inverse(self, z):
            for k in reversed(range(8)):
                a, b = k % 2, 1 - k % 2
                h = self.nets[k](z[:, a:a + 1])
                s, t = torch.tanh(h[:, :1]), h[:, 1:]
                xb = (z[:, b:b + 1] - t) * torch.exp(-s)
                z = torch.cat([z[:, :1], xb], 1) if b == 1 else torch.cat([xb, z[:, 1:]], 1)
            return z

        def load(self, w):
            for k, net in enumerate(self.nets):
                for i, layer in zip((0, 1, 2), (net[0], net[2], net[4])):
                    layer.weight.data = w[f"realnvp.coupling{k}.net.layer{i}.weight"]
                    layer.bias.data = w[f"realnvp.coupling{k}.net.layer{i}.bias"]

    class MADE(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            deg_in = torch.arange(1, d + 1)
            deg_h = torch.arange(h) % (d - 1) + 1
            deg_out = torch.arange(2 * d) % d + 1
            self.register_buffer("m0", (deg_h[:, None] >= deg_in[None, :]).float())
            self.register_buffer("m1", (deg_h[:, None] >= deg_h[None, :]).float())
            self.register_buffer("m2", (deg_out[:, None] > deg_h[None, :]).float())
            self.l0, self.l1, self.l2 = nn.Linear(d, h), nn.Linear(h, h), nn.Linear(h, 2 * d)
            nn.init.zeros_(self.l2.weight); nn.init.zeros_(self.l2.bias)
            self.d = d

        def forward(self, x):
            h = torch.relu(nn.functional.linear(x, self.l0.weight * self.m0, self.l0.bias))
            h = torch.relu(nn.functional.linear(h, self.l1.weight * self.m1, self.l1.bias))
            o = nn.functional.linear(h, self.l2.weight * self.m2, self.l2.bias)
            return o[:, :self.d], o[:, self.d:]

    class MAF(nn.Module):
        """5 MADE blocks, features reversed before blocks 1-4; u = (x - mu) exp(-alpha)."""
        def __init__(self, d, h):
            super().__init__()
            self.blocks = nn.ModuleList(MADE(d, h) for _ in range(5))
            self.d = d

        def forward(self, x):
            logdet = torch.zeros(x.shape[0], device=x.device)
            for k, made in enumerate(self.blocks):
                if k > 0:
                    x = x.flip(1)
                mu, alpha = made(x)
                x = (x - mu) * torch.exp(-alpha)
                logdet = logdet - alpha.sum(1)
            return x, logdet

        def inverse(self, u):
            for k in reversed(range(5)):
                x = torch.zeros_like(u)
                for _ in range(self.d):
                    mu, alpha = self.blocks[k](x)
                    x = u * torch.exp(alpha) + mu
                u = x.flip(1) if k > 0 else x
            return u

        def load(self, w):
            for k, made in enumerate(self.blocks):
                for i, layer in enumerate((made.l0, made.l1, made.l2)):
                    layer.weight.data = w[f"maf.block{k}.made.layer{i}.weight"]
                    layer.bias.data = w[f"maf.block{k}.made.layer{i}.bias"]

    def squeeze(x):
        b, c, h, w = x.shape
        x = x.view(b, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4)
        return x.reshape(b, 4 * c, h // 2, w // 2)

    def unsqueeze(x):
        b, c, h, w = x.shape
        x = x.view(b, c // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3)
        return x.reshape(b, c // 4, 2 * h, 2 * w)

    class Step(nn.Module):
        """ActNorm -> LU 1x1 conv -> affine coupling (t = h[:, 0::2], s = sigmoid(h[:, 1::2] + 2))."""
        def __init__(self, c):
            super().__init__()
            self.loc, self.log_scale = nn.Parameter(torch.zeros(c)), nn.Parameter(torch.zeros(c))
            q, _ = torch.linalg.qr(torch.randn(c, c, dtype=torch.float64))
            p, l, u = torch.linalg.lu(q)
            self.register_buffer("p", p.float())
            self.register_buffer("sign_s", torch.sign(torch.diag(u)).float())
            self.lower = nn.Parameter(torch.tril(l, -1).float())
            self.upper = nn.Parameter(torch.triu(u, 1).float())
            self.log_s = nn.Parameter(torch.log(torch.abs(torch.diag(u))).float())
            self.net = nn.Sequential(nn.Conv2d(c // 2, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 1), nn.ReLU(), nn.Conv2d(64, c, 3, padding=1))
            nn.init.zeros_(self.net[4].weight); nn.init.zeros_(self.net[4].bias)
            self.initialized = False

        def weight(self):
            c = self.lower.shape[0]
            eye = torch.eye(c)
            return self.p @ (torch.tril(self.lower, -1) + eye) @ (torch.triu(self.upper, 1) + torch.diag(self.sign_s * torch.exp(self.log_s)))

        def forward(self, x):
            if not self.initialized:
                with torch.no_grad():
                    self.loc.data = x.mean((0, 2, 3))
                    self.log_scale.data = torch.log(x.transpose(0, 1).reshape(x.shape[1], -1).std(1) + 1e-6)
                self.initialized = True
            hw = x.shape[2] * x.shape[3]
            x = (x - self.loc[None, :, None, None]) * torch.exp(-self.log_scale)[None, :, None, None]
            logdet = -hw * self.log_scale.sum() * torch.ones(x.shape[0], device=x.device)
            x = nn.functional.conv2d(x, self.weight()[:, :, None, None])
            logdet = logdet + hw * self.log_s.sum()
            c = x.shape[1] // 2
            xa, xb = x[:, :c], x[:, c:]
            h = self.net(xa)
            t, s = h[:, 0::2], torch.sigmoid(h[:, 1::2] + 2)
            xb = (xb - t) * s
            return torch.cat([xa, xb], 1), logdet + torch.log(s).sum((1, 2, 3))

        def inverse(self, y):
            c = y.shape[1] // 2
            ya, yb = y[:, :c], y[:, c:]
            h = self.net(ya)
            t, s = h[:, 0::2], torch.sigmoid(h[:, 1::2] + 2)
            x = torch.cat([ya, yb / s + t], 1)
            w_inv = torch.linalg.inv(self.weight().double()).float()
            x = nn.functional.conv2d(x, w_inv[:, :, None, None])
            return x * torch.exp(self.log_scale)[None, :, None, None] + self.loc[None, :, None, None]

        def load(self, w, prefix):
            self.initialized = True
            self.loc.data, self.log_scale.data = w[f"{prefix}.actnorm.loc"], w[f"{prefix}.actnorm.logScale"]
            self.lower.data, self.upper.data, self.log_s.data = w[f"{prefix}.conv1x1.lower"], w[f"{prefix}.conv1x1.upper"], w[f"{prefix}.conv1x1.logS"]
            order = w[f"{prefix}.conv1x1.rowOrder"].long()
            p = torch.zeros(len(order), len(order))
            p[order, torch.arange(len(order))] = 1  # P[rowOrder[i], i] = 1
            self.p.data, self.sign_s.data = p, w[f"{prefix}.conv1x1.signs"]
            for i, layer in zip((0, 1, 2), (self.net[0], self.net[2], self.net[4])):
                layer.weight.data, layer.bias.data = w[f"{prefix}.coupling.net.conv{i}.weight"], w[f"{prefix}.coupling.net.conv{i}.bias"]

    class W4(nn.Module):
        """Two levels of K = 4 steps; channels 2-3 of level 1 leave as z1; N(0, I) on z1 and z2."""
        def __init__(self):
            super().__init__()
            self.level1 = nn.ModuleList(Step(4) for _ in range(4))
            self.level2 = nn.ModuleList(Step(8) for _ in range(4))

        def forward(self, x):
            x = squeeze(x)
            logdet = torch.zeros(x.shape[0], device=x.device)
            for step in self.level1:
                x, ld = step(x); logdet = logdet + ld
            z1, x = x[:, 2:], x[:, :2]
            x = squeeze(x)
            for step in self.level2:
                x, ld = step(x); logdet = logdet + ld
            return torch.cat([z1.flatten(1), x.flatten(1)], 1), logdet

        def inverse(self, z):
            z1, x = z[:, :32].view(-1, 2, 4, 4), z[:, 32:].view(-1, 8, 2, 2)
            for step in reversed(self.level2):
                x = step.inverse(x)
            x = torch.cat([unsqueeze(x), z1], 1)
            for step in reversed(self.level1):
                x = step.inverse(x)
            return unsqueeze(x)

        def load(self, w):
            for l, level in enumerate((self.level1, self.level2)):
                for k, step in enumerate(level):
                    step.load(w, f"glow.level{l}.step{k}")

    class NSF(nn.Module):
        """W5: 4 nflows `PiecewiseRationalQuadraticCouplingTransform`s (K = 8, B = 5, linear tails);
        layer k transforms the second half of the features when k is even, the first half when odd.

        Conditioner: MLP (D/2)-128-128-(D/2)(3K-1), ReLU, last layer zero-initialised; output
        columns feature by feature, each [K widths, K heights, K-1 interior derivatives], which is
        nflows' layout. The net deliberately has no `hidden_features` attribute: with one, nflows
        divides the width and height logits by its square root, which flowkit (and the
        definition) does not.
        """
        def __init__(self, d=16, layers=4, hidden=128, bins=8, bound=5.0):
            super().__init__()
            import warnings
            from nflows.transforms.base import CompositeTransform
            from nflows.transforms.coupling import PiecewiseRationalQuadraticCouplingTransform
            # nflows warns on every call that the logits are not scaled down; that is intended here.
            warnings.filterwarnings("ignore", message="Inputs to the softmax are not scaled down")

            class Net(nn.Module):
                def __init__(self, inputs, outputs):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, outputs))
                    nn.init.zeros_(self.net[4].weight); nn.init.zeros_(self.net[4].bias)

                def forward(self, x, context=None):
                    return self.net(x)

            couplings = []
            for k in range(layers):
                mask = torch.zeros(d)  # nflows: mask > 0 is transformed, the rest conditions
                if k % 2 == 0:
                    mask[d // 2:] = 1
                else:
                    mask[:d - d // 2] = 1
                couplings.append(PiecewiseRationalQuadraticCouplingTransform(
                    mask, Net, num_bins=bins, tails="linear", tail_bound=bound,
                    min_bin_width=1e-3, min_bin_height=1e-3, min_derivative=1e-3))
            self.transform = CompositeTransform(couplings)

        def forward(self, x):
            return self.transform(x)

        def inverse(self, z):
            return self.transform.inverse(z)[0]

        def load(self, w):
            for k, coupling in enumerate(self.transform._transforms):
                for i, layer in zip((0, 1, 2), (coupling.transform_net.net[0], coupling.transform_net.net[2], coupling.transform_net.net[4])):
                    layer.weight.data = w[f"nsf.coupling{k}.net.layer{i}.weight"]
                    layer.bias.data = w[f"nsf.coupling{k}.net.layer{i}.bias"]

    def log_prob(model, x):
        z, logdet = model(x)
        z = z.flatten(1)
        return -0.5 * (z ** 2).sum(1) - 0.5 * z.shape[1] * math.log(2 * math.pi) + logdet

    return {"W1": (W1, 512, (2,)), "W2": (lambda: MAF(16, 256), 256, (16,)), "W3": (lambda: MAF(64, 512), 256, (64,)), "W4": (W4, 64, (1, 8, 8)), "W5": (NSF, 256, (16,))}, log_prob


def pool(workload, batch, shape):
    """64 pre-generated batches, as the contract's protocol asks (torch's own sampler)."""
    import torch
    torch.manual_seed(0)
    batches = []
    for _ in range(64):
        if workload == "W1":
            x2 = 4 * torch.randn(batch)
            batches.append(torch.stack([x2 ** 2 / 4 + torch.randn(batch), x2], 1))
        elif workload in ("W2", "W3", "W5"):
            d = shape[0]
            i = torch.arange(d)
            lower = torch.where(i[:, None] >= i[None, :], 0.5 ** (i[:, None] - i[None, :]).float(), torch.zeros(()))
            batches.append(torch.randn(batch, d) @ lower.T)
        else:
            batches.append((torch.randint(0, 17, (batch, 1, 8, 8)).float() + torch.rand(batch, 1, 8, 8)) / 17 - 0.5)
    return batches


# ------------------------------------------------------------------------------ measurement

def torch_worker(workload, device="cpu"):
    """One PyTorch measurement in this process; prints a JSON line like `flowkit bench`."""
    import torch
    if device == "cpu":
        torch.set_num_threads(2)
    after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    models, log_prob = build_models()
    make, batch, shape = models[workload]
    torch.manual_seed(0)
    model = make().to(device)
    data = [b.to(device) for b in pool(workload, batch, shape)]
    # CUDA launches are asynchronous: a timed call must wait for its kernels.
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    index = [0]

    def next_batch():
        index[0] = (index[0] + 1) % len(data)
        return data[index[0]]

    def train():
        optimizer.zero_grad()
        loss = -log_prob(model, next_batch()).mean()
        loss.backward()
        optimizer.step()
        sync()

    def logprob():
        with torch.no_grad():
            log_prob(model, next_batch())
        sync()

    def sample():
        with torch.no_grad():
            model.inverse(torch.randn(batch, *((64,) if workload == "W4" else shape), device=device))
        sync()

    result = {"workload": workload, "device": f"torch-{device}", "batch": batch, "parameters": sum(p.numel() for p in model.parameters())}
    if workload == "W5":
        from importlib.metadata import version
        result["peer"] = f"nflows {version('nflows')}"  # the library whose spline is being timed
    for key, body, warm, budget, low, high in (("trainSamplesPerSecond", train, 5, 1.0, 20, 200),
                                                ("logProbSamplesPerSecond", logprob, 3, 0.5, 20, 200),
                                                ("sampleSamplesPerSecond", sample, 2, 1.0, 5, 100)):
        result[key] = measure(body, warm, budget, low, high, batch)
    result["peakRSSMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["importRSSMB"] = after_import
    print(json.dumps(result))


def measure(body, warm, budget, low, high, batch):
    last = 0.0
    for _ in range(warm):
        start = time.perf_counter(); body(); last = time.perf_counter() - start
    n = min(high, max(low, int(budget / max(last, 1e-9))))
    rates = []
    for _ in range(3):
        times = []
        for _ in range(n):
            start = time.perf_counter(); body(); times.append(time.perf_counter() - start)
        rates.append(batch / statistics.median(times))
    rates.sort()
    return {"median": rates[1], "min": rates[0], "max": rates[2]}


def cross_check(workload, flowkit, device):
    """flowkit's weights in PyTorch: log_prob of the same batch must agree to 1e-4 relative."""
    import torch
    from safetensors.torch import load_file
    with tempfile.TemporaryDirectory() as folder:
        subprocess.check_call([flowkit, "bench", "--workload", workload, "--device", device, "--steps", "20", "--export", folder], stdout=subprocess.DEVNULL)
        tensors = load_file(os.path.join(folder, f"{workload}.safetensors"))
    models, log_prob = build_models()
    model = models[workload][0]()
    model.load(tensors)
    with torch.no_grad():
        ours = log_prob(model.double(), tensors["batch"].double()).float()
    theirs = tensors["logProb"]
    return ((ours - theirs).abs() / theirs.abs().clamp_min(1)).max().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5")
    parser.add_argument("--rounds", type=int, default=2, help="alternations A B per workload")
    parser.add_argument("--flowkit", default=os.path.join(HERE, "..", ".build", "release", "flowkit"))
    parser.add_argument("--device", default="cpu", help="flowkit's device")
    parser.add_argument("--torch-device", default="cpu", help="PyTorch's device: cpu or cuda")
    parser.add_argument("--no-venv", action="store_true", help="use this interpreter's packages, not bench/.venv")
    parser.add_argument("--torch-worker", help=argparse.SUPPRESS)
    parser.add_argument("--cross-check", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.no_venv:
        os.environ["FLOWKIT_PEERS_NO_VENV"] = "1"  # the workers run with this interpreter too
    if args.torch_worker:
        return torch_worker(args.torch_worker, args.torch_device)
    if args.cross_check:
        return print(cross_check(args.cross_check, args.flowkit, args.device))
    if not os.access(args.flowkit, os.X_OK):
        sys.exit(f"peers.py: no flowkit binary at {os.path.normpath(args.flowkit)}: run `swift build -c release` first, or pass --flowkit")
    unknown = [w for w in args.workloads.split(",") if w not in ("W1", "W2", "W3", "W4", "W5")]
    if unknown:
        sys.exit(f"peers.py: unknown workload {', '.join(unknown)} in --workloads (known: W1, W2, W3, W4, W5)")
    env = dict(os.environ, OMP_NUM_THREADS="2", MKL_NUM_THREADS="2")
    rows = []
    for workload in args.workloads.split(","):
        # Every measurement runs in a fresh process: Linux keeps the peak RSS across fork and
        # exec, so a parent that had imported torch would inflate flowkit's figure.
        error = float(subprocess.check_output([sys.executable, os.path.abspath(__file__), "--cross-check", workload,
                                               "--flowkit", args.flowkit, "--device", args.device]))
        print(f"{workload}: log_prob with identical weights, max relative difference {error:.2e} ({'ok' if error < 1e-4 else 'MISMATCH'})", flush=True)
        runs = {"flowkit": [], "torch": []}
        for _ in range(args.rounds):
            out = subprocess.check_output([args.flowkit, "bench", "--workload", workload, "--device", args.device], env=env)
            runs["flowkit"].append(json.loads(out))
            out = subprocess.check_output([sys.executable, os.path.abspath(__file__), "--torch-worker", workload, "--torch-device", args.torch_device], env=env)
            runs["torch"].append(json.loads(out))
        rows.append((workload, runs, error))
    print()
    print("| workload | figure | flowkit | PyTorch | flowkit / PyTorch |")
    print("| --- | --- | ---: | ---: | ---: |")
    for workload, runs, error in rows:
        peer = runs["torch"][0].get("peer")
        workload = f"{workload} ({peer})" if peer else workload
        for key, label in (("trainSamplesPerSecond", "train samples/s"), ("logProbSamplesPerSecond", "logProb samples/s"), ("sampleSamplesPerSecond", "sample samples/s")):
            a = statistics.median(r[key]["median"] for r in runs["flowkit"])
            b = statistics.median(r[key]["median"] for r in runs["torch"])
            print(f"| {workload} | {label} | {a:,.0f} | {b:,.0f} | {a / b:.2f} |")
        a = max(r["peakRSSMB"] for r in runs["flowkit"])
        b = max(r["peakRSSMB"] for r in runs["torch"])
        c = max(r["importRSSMB"] for r in runs["torch"])
        print(f"| {workload} | peak RSS MB (PyTorch after import: {c:.0f}) | {a:.0f} | {b:.0f} | {a / b:.2f} |")


if __name__ == "__main__":
    ensure_venv()
    main()
