using System.Globalization;
using Lepton.Client;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Server.Tests.Queueing;

/// <summary>One scheduler: the same workload through <see cref="JobSimulation"/> and through a real server (fake agents
/// registered through the API, task exits reported at the simulated times) gives the same placements and start order.</summary>
public sealed class SimulationEquivalenceTests
{
    private const long NodeCpu = 16_000, NodeMemory = 65_536, TaskCpu = 2000, TaskMemory = 4096;
    private static readonly string[] NodeNames = ["n1", "n2", "n3"];

    /// <summary>Arrivals and durations in minutes, chosen so that no two events fall on one instant (a server cycle sees
    /// one change at a time, as the simulator's pass does).</summary>
    private static readonly JobRow[] Workload =
    [
        new("a", 0, 173, 1, 4, 5, false),
        new("b", 17, 301, 2, 2, 5, false),
        new("c", 29, 127, 1, 1, 5, false),
        new("d", 47, 239, 2, 4, 5, false),
        new("e", 59, 61, 1, 2, 5, false),
        new("f", 89, 419, 1, 1, 2, true),
        new("g", 131, 151, 1, 4, 7, false),
        new("h", 187, 71, 1, 1, 5, false),
        new("i", 257, 197, 3, 1, 5, false),
        new("j", 303, 43, 1, 2, 9, false),
    ];

    public static TheoryData<string> Queues => [.. QueueDiscipline.Names];

    [Theory]
    [MemberData(nameof(Queues))]
    public async Task SimulateAndServe_SameWorkload_SamePlacementsAndStarts(string queue)
    {
        Assert.True(QueueDiscipline.TryParse(queue, out var discipline));
        var simulated = JobSimulation.Run(SimNodes(), SimJobs(), PolicyRegistry.Get("bestfit"),
            new JobSimulationOptions { Discipline = discipline, DurationsKnown = false });
        var expected = simulated.Jobs.Select(j => Describe(j.Name, j.Start, j.Nodes)).ToArray();

        var served = await ServeAsync(queue);

        Assert.Equal(expected, served);
        Assert.All(simulated.Jobs, j => Assert.NotNull(j.Finish));
    }

    private static NodeSpec[] SimNodes() =>
        [.. NodeNames.Select(n => new NodeSpec { Name = n, CpuMilli = NodeCpu, MemoryMiB = NodeMemory, GpuCount = 4, GpuModel = "A100" })];

    private static SimulatedJob[] SimJobs() =>
        [.. Workload.Select(r =>
        {
            var template = new TaskRequest
            {
                Name = r.Name, CpuMilli = TaskCpu, MemoryMiB = TaskMemory, GpuCount = r.Gpus, GpuMilliPerGpu = 1000,
                Priority = r.Priority, Preemptible = r.Preemptible, Gang = r.Replicas > 1 ? r.Name : null,
            };
            return new SimulatedJob(r.Name, TimeSpan.FromMinutes(r.Arrival), TimeSpan.FromMinutes(r.Duration), null,
                [.. Enumerable.Range(0, r.Replicas).Select(i => template with { Name = $"{r.Name}-{i}" })]);
        })];

    private static string Describe(string name, TimeSpan? start, IReadOnlyList<string> nodes) =>
        $"{name} @ {(start is { } s ? s.TotalMinutes.ToString(CultureInfo.InvariantCulture) : "never")} on [{string.Join(",", nodes)}]";

    /// <summary>Drives a real server through the workload on simulated time and describes each job's last start.</summary>
    private static async Task<string[]> ServeAsync(string queue)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "lepton-equiv-" + Guid.NewGuid().ToString("N"));
        var app = LeptonServer.BuildApp(new LeptonServerOptions
        {
            DataDir = dataDir,
            Urls = "http://127.0.0.1:0",
            Policy = "bestfit",
            Queue = queue,
            SchedulerTick = TimeSpan.FromMilliseconds(50),
            HeartbeatTimeout = TimeSpan.FromHours(1),
        });
        await app.StartAsync();
        try
        {
            var uri = new Uri(app.Urls.First());
            using var admin = new LeptonClient(uri, File.ReadAllText(Path.Combine(dataDir, LeptonServer.AdminTokenFile)).Trim());
            await admin.CreateTenantAsync(new TenantCreate { Name = "sim" });
            using var tenant = new LeptonClient(uri, (await admin.CreateTokenAsync(new TokenCreate { Kind = "tenant", Tenant = "sim" })).Token!);
            using var agent = new FakeAgent(uri, (await admin.CreateTokenAsync(new TokenCreate { Kind = "agent" })).Token!);
            foreach (var name in NodeNames)
            {
                await agent.RegisterAsync(name, NodeCpu, NodeMemory, 4, "A100");
            }

            var ids = new Dictionary<long, JobRow>();
            var running = new Dictionary<long, (TimeSpan Finish, IReadOnlyList<TaskView> Tasks)>();
            var starts = new Dictionary<string, (TimeSpan Start, string[] Nodes)>();
            var next = 0;
            while (next < Workload.Length || running.Count > 0)
            {
                var now = running.Values.Select(r => r.Finish).Append(next < Workload.Length ? TimeSpan.FromMinutes(Workload[next].Arrival) : TimeSpan.MaxValue).Min();
                // The simulator's order at one instant: departures, arrivals, then one scheduling pass.
                foreach (var (id, run) in running.Where(r => r.Value.Finish == now).ToList())
                {
                    foreach (var task in run.Tasks)
                    {
                        await agent.ExitAsync(task.Node!, task.Id, task.Attempt);
                    }

                    running.Remove(id);
                }

                while (next < Workload.Length && TimeSpan.FromMinutes(Workload[next].Arrival) == now)
                {
                    var row = Workload[next++];
                    var view = await tenant.SubmitJobAsync(new JobSubmission
                    {
                        Name = row.Name,
                        Replicas = row.Replicas,
                        Resources = new JobResources { CpuMilli = TaskCpu, MemoryMiB = TaskMemory, Gpu = row.Gpus },
                        Priority = row.Priority,
                        Preemptible = row.Preemptible,
                        Command = ["true"],
                    });
                    ids[view.Id] = row;
                }

                await SettleAsync(admin, tenant);
                foreach (var job in await tenant.ListJobsAsync())
                {
                    var row = ids[job.Id];
                    if (job.State is JobState.Scheduled or JobState.Running && !running.ContainsKey(job.Id))
                    {
                        var tasks = job.Tasks.OrderBy(t => t.Replica).ToList();
                        running[job.Id] = (now + TimeSpan.FromMinutes(row.Duration), tasks);
                        starts[row.Name] = (now, [.. tasks.Select(t => t.Node!)]);
                    }
                    else if (job.State == JobState.Pending && running.Remove(job.Id))
                    {
                        starts.Remove(row.Name);   // preempted: it starts again from scratch
                    }
                }
            }

            return [.. Workload.Select(r => starts.TryGetValue(r.Name, out var s) ? Describe(r.Name, s.Start, s.Nodes) : Describe(r.Name, null, []))];
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    /// <summary>Waits until the server has run a whole scheduling cycle that began after the last change (two completed
    /// cycles: the first may have begun before it), or until nothing is pending (then no cycle could change anything).</summary>
    private static async Task SettleAsync(LeptonClient admin, LeptonClient tenant)
    {
        var before = await CyclesAsync(admin);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if ((await tenant.ListJobsAsync(JobState.Pending)).Count == 0 || await CyclesAsync(admin) >= before + 2)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the server ran no scheduling cycle");
            await Task.Delay(20);
        }
    }

    private static async Task<long> CyclesAsync(LeptonClient admin)
    {
        foreach (var line in (await admin.GetMetricsTextAsync()).Split('\n'))
        {
            if (line.StartsWith("lepton_scheduling_cycle_seconds_count", StringComparison.Ordinal))
            {
                return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private sealed record JobRow(string Name, int Arrival, int Duration, int Replicas, int Gpus, int Priority, bool Preemptible);
}
