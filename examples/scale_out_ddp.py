"""Scale out: prototype in minitorch, train with PyTorch's DistributedDataParallel, come back.

    python examples/scale_out_ddp.py [--world-size 2] [--device cpu] [--pretrain-epochs 5]
                                     [--epochs 10] [--batch-size 16] [--lr 0.01] [--seed 0]
                                     [--out DIR] [--quiet]

    # on a machine with GPUs: one process per GPU, NCCL instead of gloo
    python examples/scale_out_ddp.py --device cuda --world-size 2

1. In minitorch: pretrain a network (a body and a head) on the source digits 0-4, put a
   new head on the pretrained body for the target digits 5-9, and freeze the body.
2. Save it with ``save_safetensors`` (the frozen flags travel in the file's metadata).
3. Start ``--world-size`` processes (``torch.multiprocessing.spawn``; gloo on localhost
   for ``--device cpu``, NCCL for ``--device cuda``). Each loads the file into minitorch
   with ``restore_frozen=True``, converts it with ``minitorch.interop.to_torch`` and wraps
   it in ``torch.nn.parallel.DistributedDataParallel``. Frozen parameters
   (``requires_grad=False``) are not in DDP's gradient buckets, so they are never
   synchronised, get no gradient and do not move; the head is trained on each process's
   shard of the target data (``DistributedSampler``), its gradients averaged by DDP.
   The frozen body is put in ``eval()`` in PyTorch: minitorch's BatchNorm keeps its
   statistics when frozen, PyTorch's only in eval mode.
4. Rank 0 brings the trained model back with ``minitorch.interop.from_torch`` and
   evaluates it in both frameworks on the target test set.

The script prints, and returns from ``main()``: that the frozen body is bit-identical
before and after distributed training, that every process ends with the same trained head,
how many tensors DDP synchronised, and both evaluations (they agree to float32 rounding).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import time
from collections import OrderedDict
from typing import Any

import numpy as np

import minitorch as mt
from minitorch import data, nn, optim
from minitorch.interop import from_torch, load_safetensors, save_safetensors, to_torch
from minitorch.train import evaluate, fit


def build_net(num_features: int, num_classes: int, hidden: int) -> nn.Sequential:
    """Body + head, with the names ``body.*`` and ``head.*`` (a Sequential: it converts
    to ``torch.nn.Sequential`` with no converter to register)."""
    body = nn.Sequential(nn.Linear(num_features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                         nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU())
    return nn.Sequential(OrderedDict(body=body, head=nn.Linear(hidden, num_classes)))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tensors(split: Any) -> dict[str, mt.Tensor]:
    """The target task's arrays, to hand to the worker processes in a file."""
    (x_train, y_train), (x_test, y_test) = split.train.tensors, split.test.tensors
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
            "num_classes": mt.tensor(split.num_classes)}


def worker(rank: int, args: argparse.Namespace, port: int, folder: str) -> None:
    """One DDP process: load the minitorch model, convert, train the head, report."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    cuda = args.device == "cuda"
    dist.init_process_group("nccl" if cuda else "gloo", init_method=f"tcp://127.0.0.1:{port}",
                            rank=rank, world_size=args.world_size)
    device = torch.device(f"cuda:{rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)

    # The data travel as a safetensors file too (no need to rebuild the task here).
    arrays = {k: v.numpy() for k, v in load_safetensors(os.path.join(folder,
                                                                     "data.safetensors")).items()}
    num_features, num_classes = arrays["x_train"].shape[1], int(arrays["num_classes"])
    model = build_net(num_features, num_classes, args.hidden)
    load_safetensors(os.path.join(folder, "start.safetensors"), model, restore_frozen=True)
    net = to_torch(model).to(device)
    net.body.eval()  # frozen BatchNorm keeps its statistics (minitorch's rule) in PyTorch too
    frozen = {n: p.detach().clone() for n, p in net.named_parameters() if not p.requires_grad}
    ddp = DistributedDataParallel(net, device_ids=[rank] if cuda else None)

    dataset = TensorDataset(torch.from_numpy(arrays["x_train"]),
                            torch.from_numpy(arrays["y_train"]))
    sampler = DistributedSampler(dataset, num_replicas=args.world_size, rank=rank,
                                 shuffle=True, seed=args.seed)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)
    # Only the trainable parameters go to the optimizer (PyTorch's idiom); DDP averages
    # their gradients across processes in backward.
    opt = torch.optim.SGD([p for p in ddp.parameters() if p.requires_grad], lr=args.lr,
                          momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(ddp(xb.to(device)), yb.to(device)).backward()
            opt.step()

    frozen_identical = all(torch.equal(p, frozen[n]) for n, p in net.named_parameters()
                           if n in frozen)
    frozen_no_grad = all(p.grad is None for p in net.parameters() if not p.requires_grad)
    # Every process must hold the same trained head: compare against rank 0's.
    head = torch.cat([p.detach().reshape(-1) for p in net.head.parameters()])
    reference = head.clone()
    dist.broadcast(reference, src=0)
    same = torch.tensor([int(torch.equal(head, reference))], device=device)
    dist.all_reduce(same, op=dist.ReduceOp.MIN)
    try:  # how many tensors DDP put in its gradient buckets (private, informative only)
        synced = int(ddp._get_ddp_logging_data()["num_parameter_tensors"])
    except Exception:  # noqa: BLE001 - an API detail that may change between versions
        synced = -1
    report = {"rank": rank, "frozen_identical": bool(frozen_identical),
              "frozen_have_no_grad": bool(frozen_no_grad), "heads_agree": bool(same.item()),
              "ddp_synchronised_tensors": synced,
              "trainable_tensors": sum(p.requires_grad for p in net.parameters())}
    if rank == 0:
        report.update(bring_back(net, arrays["x_test"], arrays["y_test"], folder))
    with open(os.path.join(folder, f"rank{rank}.json"), "w") as handle:
        json.dump(report, handle)
    dist.barrier()
    dist.destroy_process_group()


def bring_back(net: Any, x: np.ndarray, y: np.ndarray, folder: str) -> dict[str, Any]:
    """from_torch, then evaluate in both frameworks on the target test set."""
    import torch

    back = from_torch(net.cpu())
    save_safetensors(back, os.path.join(folder, "trained.safetensors"))
    net.eval()
    with torch.no_grad():
        torch_logits = net(torch.from_numpy(x)).numpy()
    back.eval()
    with mt.no_grad():
        mt_logits = back(mt.from_numpy(x)).numpy()
    return {"torch_accuracy": float((torch_logits.argmax(1) == y).mean()),
            "minitorch_accuracy": float((mt_logits.argmax(1) == y).mean()),
            "max_abs_logit_diff": float(np.abs(torch_logits - mt_logits).max()),
            "logits_allclose": bool(np.allclose(mt_logits, torch_logits, rtol=1e-5,
                                                atol=1e-5))}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world-size", type=int, default=2, help="number of processes")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cpu: gloo on localhost; cuda: one GPU per process, NCCL")
    parser.add_argument("--pretrain-epochs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10, help="epochs of DDP head training")
    parser.add_argument("--batch-size", type=int, default=16, help="per process")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for the weights files")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    import torch.multiprocessing as tmp

    # 1. Pretrain in minitorch; a new head on the pretrained body; freeze the body.
    mt.manual_seed(args.seed)
    task = data.digits_transfer(labels_per_class=None, seed=args.seed)
    pretrained = build_net(task.source.num_features, task.source.num_classes, args.hidden)
    fit(pretrained, nn.CrossEntropyLoss(), optim.Adam(pretrained.parameters(), lr=1e-3),
        data.DataLoader(task.source.train, batch_size=32, shuffle=True, seed=args.seed),
        epochs=args.pretrain_epochs, verbose=not args.quiet)
    model = build_net(task.target.num_features, task.target.num_classes, args.hidden)
    model.body.load_state_dict(pretrained.body.state_dict())
    nn.freeze(model.body)
    before = {k: v.numpy().copy() for k, v in model.body.state_dict().items()}
    loss_fn = nn.CrossEntropyLoss()
    test_loader = data.DataLoader(task.target.test, batch_size=512)
    untrained = evaluate(model, loss_fn, test_loader)["accuracy"]

    # 2.-4. Hand it to PyTorch's distributed engine and bring it back.
    folder = args.out or tempfile.mkdtemp(prefix="scale_out_ddp_")
    os.makedirs(folder, exist_ok=True)
    save_safetensors(model, os.path.join(folder, "start.safetensors"))
    save_safetensors(tensors(task.target), os.path.join(folder, "data.safetensors"))
    tmp.spawn(worker, args=(args, free_port(), folder), nprocs=args.world_size, join=True)
    reports = [json.load(open(os.path.join(folder, f"rank{r}.json")))
               for r in range(args.world_size)]
    trained = build_net(task.target.num_features, task.target.num_classes, args.hidden)
    load_safetensors(os.path.join(folder, "trained.safetensors"), trained,
                     restore_frozen=True)
    body_identical = all(np.array_equal(before[k], v.numpy())
                         for k, v in trained.body.state_dict().items())
    minitorch_eval = evaluate(trained, loss_fn, test_loader)["accuracy"]

    first = reports[0]
    result = {
        "world_size": args.world_size,
        "untrained_head_accuracy": untrained,
        "frozen_body_bit_identical": body_identical and all(r["frozen_identical"]
                                                            for r in reports),
        "frozen_have_no_grad": all(r["frozen_have_no_grad"] for r in reports),
        "heads_agree_across_processes": all(r["heads_agree"] for r in reports),
        "ddp_synchronised_tensors": first["ddp_synchronised_tensors"],
        "trainable_tensors": first["trainable_tensors"],
        "torch_accuracy": first["torch_accuracy"],
        "minitorch_accuracy": first["minitorch_accuracy"],
        "minitorch_evaluate_accuracy": minitorch_eval,
        "max_abs_logit_diff": first["max_abs_logit_diff"],
        "evaluations_agree": first["logits_allclose"]
        and first["torch_accuracy"] == first["minitorch_accuracy"]
        and abs(minitorch_eval - first["torch_accuracy"]) < 1e-6,  # evaluate sums in float32
        "flags_restored": [p.requires_grad for p in trained.parameters()]
        == [p.requires_grad for p in model.parameters()],
    }
    print(f"target task: {len(task.target.train)} training images, "
          f"{len(task.target.test)} test images; {args.world_size} processes "
          f"({'NCCL, GPUs' if args.device == 'cuda' else 'gloo, CPU'})")
    print(f"head before distributed training: test accuracy {untrained:.3f}")
    print(f"DDP synchronised {result['ddp_synchronised_tensors']} parameter tensors "
          f"(the {result['trainable_tensors']} trainable ones; the frozen body is not synced)")
    print(f"frozen body bit-identical after distributed training: "
          f"{result['frozen_body_bit_identical']}")
    print(f"every process holds the same trained head: "
          f"{result['heads_agree_across_processes']}")
    print(f"test accuracy, PyTorch (DDP-trained model): {result['torch_accuracy']:.3f}")
    print(f"test accuracy, minitorch (from_torch):       {result['minitorch_accuracy']:.3f} "
          f"(minitorch.train.evaluate: {minitorch_eval:.3f})")
    print(f"largest logit difference: {result['max_abs_logit_diff']:.2e}; evaluations agree: "
          f"{result['evaluations_agree']}")
    print(f"total time {time.perf_counter() - began:.1f} s")
    return result


if __name__ == "__main__":
    main()
