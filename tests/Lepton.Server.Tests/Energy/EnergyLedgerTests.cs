using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Server.Energy;
using Lepton.Server.Model;
using Lepton.Server.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lepton.Server.Tests.Energy;

public sealed class EnergyLedgerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("lepton-energy-").FullName;
    private readonly ManualTime _time = new(Start);
    private readonly ControlPlane _plane;
    private long _nextTask;

    public EnergyLedgerTests() => _plane = new ControlPlane(new SqliteJobStore(Path.Combine(_dir, "lepton.db")), _time, NullLogger.Instance);

    public void Dispose()
    {
        _plane.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private Node AddNode(string name, long cpuMilli = 8000, int gpus = 0, double price = 3.6, double idle = 100, double peak = 300)
    {
        var node = new Node
        {
            Name = name,
            Registration = new NodeRegistration
            {
                Name = name, CpuMilli = cpuMilli, MemoryMiB = 65536, PricePerHour = price, IdleWatts = idle, PeakWatts = peak,
                Gpus = [.. Enumerable.Range(0, gpus).Select(i => new GpuDevice { Index = i, Model = "A100", MemoryMiB = 81920 })],
            },
            State = NodeState.Ready,
            LastHeartbeat = Start,
        };
        _plane.Nodes[name] = node;
        return node;
    }

    private Job RunJob(long id, string tenant, string node, long cpuMilli, int gpu = 0, TaskState state = TaskState.Running)
    {
        var job = new Job
        {
            Id = id, Tenant = tenant, Name = $"job{id}", Priority = 5, Preemptible = false, Replicas = 1,
            Resources = new JobResources { CpuMilli = cpuMilli, MemoryMiB = 1024, Gpu = gpu }, Command = ["true"],
            Env = new Dictionary<string, string>(), MaxRetries = 0, CreatedAt = Start, State = JobState.Running,
        };
        var task = new JobTask { Id = ++_nextTask, JobId = id, Replica = 0, State = state, Node = node, Gpus = [.. Enumerable.Range(0, gpu)] };
        job.Tasks.Add(task);
        _plane.Jobs[id] = job;
        _plane.Tasks[task.Id] = task;
        _plane.IndexTask(task);
        return job;
    }

    private List<UsageRow> SampleTwice(EnergyLedger ledger, TimeSpan apart)
    {
        ledger.Sample(_plane, _time.Now);
        _time.Advance(apart);
        foreach (var node in _plane.Nodes.Values)
        {
            node.LastHeartbeat = _time.Now;
        }

        ledger.Sample(_plane, _time.Now);
        return ledger.TakePending();
    }

    private static EnergyLedger Ledger(EnergyPrices? prices = null) =>
        new(new LinearNodePowerEstimator(), prices ?? new EnergyPrices(), TimeSpan.FromSeconds(15));

    [Fact]
    public void Sample_HalfAllocatedCpuNode_EstimatesLinearPowerAndSharesEnergyAndPrice()
    {
        AddNode("n1");
        RunJob(1, "team-a", "n1", cpuMilli: 4000);
        var ledger = Ledger();

        var rows = SampleTwice(ledger, TimeSpan.FromSeconds(10));

        // 100 W idle + (300 − 100) × 0.5 = 200 W for 10 s; the job holds half the node.
        var node = Assert.Single(rows, r => r.JobId == 0);
        Assert.Equal(2000, node.EnergyJoules, 9);
        Assert.Equal(0.01, node.Cost, 12);
        Assert.Equal(80, node.CpuSeconds, 9);
        var job = Assert.Single(rows, r => r.JobId == 1);
        Assert.Equal(1000, job.EnergyJoules, 9);
        Assert.Equal(0, job.MeasuredEnergyJoules);
        Assert.Equal(0.005, job.Cost, 12);
        Assert.Equal(40, job.CpuSeconds, 9);
        Assert.Equal("team-a", job.Tenant);
        Assert.Equal(1000, ledger.TenantJoules["team-a"], 9);
        Assert.Equal(new NodePowerReading(200, false), ledger.Power["n1"]);
    }

    [Fact]
    public void Sample_AgentMeasuredCpuAndGpus_UsesMeasuredWattsAndMarksThem()
    {
        var n1 = AddNode("n1", gpus: 2);
        n1.Usage = new NodeUsage
        {
            CpuWatts = 50,
            Gpus = [new GpuUsage { Index = 0, PowerWatts = 250 }, new GpuUsage { Index = 1, PowerWatts = 150 }],
        };
        RunJob(1, "team-a", "n1", cpuMilli: 1000, gpu: 1);
        var ledger = Ledger();

        var rows = SampleTwice(ledger, TimeSpan.FromSeconds(2));

        Assert.Equal(new NodePowerReading(450, true), ledger.Power["n1"]);
        var node = Assert.Single(rows, r => r.JobId == 0);
        Assert.Equal(900, node.EnergyJoules, 9);
        Assert.Equal(900, node.MeasuredEnergyJoules, 9);
        var job = Assert.Single(rows, r => r.JobId == 1);
        // One of two GPUs: half the node.
        Assert.Equal(450, job.EnergyJoules, 9);
        Assert.Equal(2, job.GpuSeconds, 9);
    }

    [Fact]
    public void Sample_GpuModelPriced_ChargesGpuHoursAtThatPriceNotTheNodeShare()
    {
        AddNode("n1", gpus: 4, price: 100);
        RunJob(1, "team-a", "n1", cpuMilli: 1000, gpu: 2);
        var ledger = Ledger(new EnergyPrices { GpuPerHour = new Dictionary<string, double> { ["A100"] = 2.5 } });

        var rows = SampleTwice(ledger, TimeSpan.FromSeconds(36));

        // 2 GPUs × 2.5 per GPU-hour × 0.01 h.
        Assert.Equal(0.05, Assert.Single(rows, r => r.JobId == 1).Cost, 12);
        Assert.Equal(1, Assert.Single(rows, r => r.JobId == 0).Cost, 12);
    }

    [Fact]
    public void Sample_OverCommittedShares_ScaledSoJobsNeverGetMoreThanTheNode()
    {
        AddNode("n1", cpuMilli: 4000);
        RunJob(1, "a", "n1", cpuMilli: 4000);
        RunJob(2, "b", "n1", cpuMilli: 4000);
        var ledger = Ledger();

        var rows = SampleTwice(ledger, TimeSpan.FromSeconds(10));

        var node = Assert.Single(rows, r => r.JobId == 0);
        Assert.Equal(node.EnergyJoules, rows.Where(r => r.JobId != 0).Sum(r => r.EnergyJoules), 9);
        Assert.Equal(node.Cost, rows.Where(r => r.JobId != 0).Sum(r => r.Cost), 12);
    }

    [Fact]
    public void Sample_SilentDownOrScheduledOnly_ChargesNothing()
    {
        AddNode("silent");
        AddNode("down").State = NodeState.Down;
        AddNode("waiting");
        RunJob(1, "a", "waiting", cpuMilli: 1000, state: TaskState.Scheduled);
        var ledger = Ledger();
        ledger.Sample(_plane, _time.Now);
        _time.Advance(TimeSpan.FromMinutes(1));
        _plane.Nodes["waiting"].LastHeartbeat = _time.Now;

        ledger.Sample(_plane, _time.Now);
        var rows = ledger.TakePending();

        Assert.Equal(["waiting"], rows.Select(r => r.Node));
        Assert.Equal(0, Assert.Single(rows).JobId);
        Assert.False(ledger.Power.ContainsKey("silent"));
    }
}
