using Lepton.Core.Cluster;
using Lepton.Core.Topology;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Topology;

/// <summary>A seeded generator of topology-rich clusters and workloads (no public trace carries topology).</summary>
/// <remarks>
/// <para><b>Cluster.</b> One region (<c>region-1</c>) of <see cref="Zones"/> zones. <see cref="EdgeFraction"/> of the
/// nodes are edge nodes (tier <c>edge</c>: 1 T4 GPU, 8 cores, 32 GiB, 0.9/h), spread evenly over the zones in sites of
/// five nodes (each site is a rack <c>edge-Z-K</c>). The rest are cloud nodes (tier <c>cloud</c>: 8 A100, 96 cores,
/// 1 TiB, 32/h), dealt round-robin into <see cref="Racks"/> racks (<c>rack-NN</c>), racks dealt round-robin over the
/// zones, so that racks hold the same number of nodes give or take one.</para>
/// <para><b>Workload.</b> Poisson arrivals at <see cref="ArrivalsPerHour"/>. Each job is, with probability 0.45, a
/// training gang of 2–8 replicas × 8 GPUs (lognormal run time, median 2 h, 5 min–24 h) asking for <c>preferred: rack</c>
/// (70 %) or <c>required: rack</c> (30 %) and NVLink; 0.35 a single-node job of 1, 2, 4 or 8 GPUs reading a 20–1000 Gi
/// dataset in a random zone (median 1 h); 0.20 an inference job of 1 GPU whose users are in a random zone with a
/// 10 ms budget (an edge node of that zone meets it, a cloud node does not; 30–180 min). The planner sees true run
/// times. The same seed gives the same cluster and jobs.</para>
/// </remarks>
public sealed record SyntheticTopology
{
    /// <summary>Nodes in all.</summary>
    public int Nodes { get; init; } = 1000;

    /// <summary>Zones of the region.</summary>
    public int Zones { get; init; } = 3;

    /// <summary>Cloud racks.</summary>
    public int Racks { get; init; } = 40;

    /// <summary>Share of the nodes at the edge.</summary>
    public double EdgeFraction { get; init; } = 0.1;

    /// <summary>Jobs to generate.</summary>
    public int Jobs { get; init; } = 2000;

    /// <summary>Mean arrivals per hour.</summary>
    public double ArrivalsPerHour { get; init; } = 100;

    /// <summary>Seed of everything random.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The cluster's nodes.</summary>
    public IReadOnlyList<NodeSpec> Cluster()
    {
        if (Nodes < 1 || Zones < 1 || Racks < 1 || EdgeFraction is < 0 or > 1)
        {
            throw new ArgumentException("nodes, zones and racks must be at least 1 and the edge fraction within 0..1");
        }

        var edge = (int)Math.Round(Nodes * EdgeFraction);
        var cloud = Nodes - edge;
        var nodes = new List<NodeSpec>(Nodes);
        for (var i = 0; i < cloud; i++)
        {
            var rack = i % Racks;
            nodes.Add(new NodeSpec
            {
                Name = $"cloud-{i + 1:D4}", CpuMilli = 96_000, MemoryMiB = 1024 * 1024, GpuCount = 8, GpuModel = "A100", PricePerHour = 32,
                IdleWatts = 800, PeakWatts = 3500, Labels = Labels(rack % Zones, "cloud", $"rack-{rack + 1:D2}", nvlink: "8"),
            });
        }

        for (var i = 0; i < edge; i++)
        {
            var zone = i % Zones;
            var site = i / Zones / 5;
            nodes.Add(new NodeSpec
            {
                Name = $"edge-{i + 1:D4}", CpuMilli = 8_000, MemoryMiB = 32 * 1024, GpuCount = 1, GpuModel = "T4", PricePerHour = 0.9,
                IdleWatts = 60, PeakWatts = 150, Labels = Labels(zone, "edge", $"edge-{zone + 1}-{site + 1}", nvlink: null),
            });
        }

        return nodes;
    }

    /// <summary>The jobs, in arrival order.</summary>
    public IReadOnlyList<SimulatedJob> Workload()
    {
        var random = new Random(Seed);
        var jobs = new List<SimulatedJob>(Jobs);
        var now = 0.0;
        for (var j = 0; j < Jobs; j++)
        {
            now += -Math.Log(1 - random.NextDouble()) / ArrivalsPerHour;
            var arrival = TimeSpan.FromHours(now);
            var kind = random.NextDouble();
            var name = $"job-{j + 1:D5}";
            if (kind < 0.45)
            {
                var replicas = random.Next(2, 9);
                var duration = LogNormal(random, TimeSpan.FromHours(2), 0.8);
                var topology = new TopologyRequirement("rack", Required: random.NextDouble() < 0.3, NvLink: true);
                jobs.Add(new SimulatedJob(name, arrival, duration, null, Replicas(name, replicas, 8, 12_000, 128 * 1024, r => r with { Topology = topology }))
                {
                    Labels = new Dictionary<string, string> { ["kind"] = "gang" },
                });
            }
            else if (kind < 0.80)
            {
                int[] sizes = [1, 2, 4, 8];
                var gpus = sizes[random.Next(sizes.Length)];
                var duration = LogNormal(random, TimeSpan.FromHours(1), 0.8);
                var data = new DataRequirement($"ds-{j + 1}", (long)(random.Next(20, 1001) * 1024L), $"zone-{random.Next(Zones) + 1}", duration);
                jobs.Add(new SimulatedJob(name, arrival, duration, null, Replicas(name, 1, gpus, 8_000 * gpus, 64 * 1024 * gpus, r => r with { Data = data }))
                {
                    Labels = new Dictionary<string, string> { ["kind"] = "data" },
                });
            }
            else
            {
                var duration = TimeSpan.FromMinutes(random.Next(30, 181));
                var latency = new LatencyRequirement($"zone-{random.Next(Zones) + 1}", 10);
                jobs.Add(new SimulatedJob(name, arrival, duration, null, Replicas(name, 1, 1, 4_000, 16 * 1024, r => r with { Latency = latency }))
                {
                    Labels = new Dictionary<string, string> { ["kind"] = "inference" },
                });
            }
        }

        return jobs;
    }

    private static Dictionary<string, string> Labels(int zone, string tier, string rack, string? nvlink)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["region"] = "region-1",
            ["zone"] = $"zone-{zone + 1}",
            ["tier"] = tier,
            ["rack"] = rack,
        };
        if (nvlink is not null)
        {
            labels["nvlink"] = nvlink;
        }

        return labels;
    }

    private static TaskRequest[] Replicas(string job, int count, int gpus, long cpu, long memory, Func<TaskRequest, TaskRequest> with) =>
        [.. Enumerable.Range(0, count).Select(r => with(new TaskRequest
        {
            Name = $"{job}-{r}", CpuMilli = cpu, MemoryMiB = memory, GpuCount = gpus, GpuMilliPerGpu = 1000, Gang = count > 1 ? job : null,
        }))];

    private static TimeSpan LogNormal(Random random, TimeSpan median, double sigma)
    {
        // Box–Muller: one standard normal draw.
        var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var hours = median.TotalHours * Math.Exp(sigma * z);
        return TimeSpan.FromHours(Math.Clamp(hours, 5 / 60.0, 24));
    }
}
