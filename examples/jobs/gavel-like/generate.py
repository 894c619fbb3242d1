"""Writes jobs.csv: a Gavel-like synthetic job trace (seeded, so the file is reproducible).

Gavel's generator (Narayanan et al., OSDI 2020): Poisson arrivals; duration 10^x minutes with x uniform in [1.5, 3]
for 80 % of jobs and in [3, 4] for the rest; scale factor (GPUs, one per worker) 1, 2, 4 or 8 with probabilities
0.70, 0.10, 0.15, 0.05. Every worker asks 1 GPU, 4 CPUs and 16 GiB. Run: python3 generate.py
"""
import math
import random

rng = random.Random(0)
RATE_PER_HOUR = 6.0      # above the cluster's capacity (144 GPUs / about 32 GPU-hours per job = 4.5 jobs/h): a tight cluster
JOBS = 800
t = 0.0
rows = ["name,arrival,duration,replicas,cpu_milli,memory_mib,num_gpu"]
for i in range(JOBS):
    t += rng.expovariate(RATE_PER_HOUR)
    x = rng.uniform(1.5, 3) if rng.random() < 0.8 else rng.uniform(3, 4)
    minutes = 10 ** x
    r = rng.random()
    scale = 1 if r < 0.70 else 2 if r < 0.80 else 4 if r < 0.95 else 8
    rows.append(f"job-{i:04d},{t * 3600:.0f},{minutes * 60:.0f},{scale},4000,16384,1")
with open("jobs.csv", "w") as f:
    f.write("\n".join(rows) + "\n")
