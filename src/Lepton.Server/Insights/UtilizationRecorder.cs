using Lepton.Client.Contracts;
using Lepton.Client.Insights;
using Lepton.Server.Model;
using Microsoft.Extensions.Hosting;

namespace Lepton.Server.Insights;

/// <summary>Samples cluster allocation and live usage every few seconds and keeps the last hour, for the dashboard's chart.</summary>
/// <remarks>In memory only: a restarted server starts a new history. One sample is a few dozen bytes, so an hour at the
/// default 5 s interval is 720 samples.</remarks>
internal sealed class UtilizationRecorder(ControlPlane plane, NodeOperations nodes) : BackgroundService
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private readonly Queue<UtilizationSample> _samples = new();

    /// <summary>Time between samples.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The samples of the last hour, oldest first.</summary>
    public UtilizationHistory History()
    {
        lock (_samples)
        {
            return new UtilizationHistory { IntervalSeconds = Interval.TotalSeconds, Samples = [.. _samples] };
        }
    }

    /// <summary>Takes one sample now.</summary>
    public void Sample()
    {
        long gpuAlloc = 0, gpuCap = 0, cpuAlloc = 0, cpuCap = 0, memAlloc = 0, memCap = 0;
        double utilSum = 0;
        var utilCount = 0;
        foreach (var node in nodes.List())
        {
            if (node.State == "Down")
            {
                continue;
            }

            gpuAlloc += node.Allocated.GpuMilli;
            gpuCap += node.Capacity.GpuMilli;
            cpuAlloc += node.Allocated.CpuMilli;
            cpuCap += node.Capacity.CpuMilli;
            memAlloc += node.Allocated.MemoryMiB;
            memCap += node.Capacity.MemoryMiB;
            foreach (var gpu in node.Gpus)
            {
                if (gpu.UtilizationPercent is { } util)
                {
                    utilSum += util;
                    utilCount++;
                }
            }
        }

        int running = 0, pending = 0;
        DateTimeOffset now;
        lock (plane.Gate)
        {
            now = plane.Time.GetUtcNow();
            foreach (var job in plane.Jobs.Values)
            {
                running += job.State is JobState.Scheduled or JobState.Running ? 1 : 0;
                pending += job.State == JobState.Pending ? 1 : 0;
            }
        }

        var sample = new UtilizationSample
        {
            Time = now,
            GpuAllocatedMilli = gpuAlloc,
            GpuCapacityMilli = gpuCap,
            GpuUtilizationPercent = utilCount > 0 ? utilSum / utilCount : null,
            CpuAllocatedMilli = cpuAlloc,
            CpuCapacityMilli = cpuCap,
            MemoryAllocatedMiB = memAlloc,
            MemoryCapacityMiB = memCap,
            JobsRunning = running,
            JobsPending = pending,
        };
        lock (_samples)
        {
            _samples.Enqueue(sample);
            while (_samples.Count > 0 && now - _samples.Peek().Time > Window)
            {
                _samples.Dequeue();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, plane.Time);
        do
        {
            Sample();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
