using Lepton.Client.Contracts;
using Lepton.Core.Topology;
using Lepton.Core.Workloads;

namespace Lepton.Server.Model;

/// <summary>A submitted job in the control plane's in-memory model; one row in the store's <c>jobs</c> table.</summary>
/// <remarks>Mutated only by the control plane's writer while it holds the model lock.</remarks>
internal sealed class Job
{
    public required long Id { get; init; }
    public required string Tenant { get; init; }
    public required string Name { get; init; }
    public required int Priority { get; init; }
    public required bool Preemptible { get; init; }
    public required int Replicas { get; init; }
    public required JobResources Resources { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public required IReadOnlyDictionary<string, string> Env { get; init; }
    public required int MaxRetries { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>What the job is worth to its tenant (<see cref="JobSubmission.Value"/>); null when not declared.</summary>
    public double? Value { get; init; }
    public JobState State { get; set; }
    public PendingReasonView? Reason { get; set; }
    public int Retries { get; set; }
    public int? ExitCode { get; set; }

    /// <summary>A job as <paramref name="tenant"/> submits <paramref name="submission"/> at <paramref name="now"/>: Pending,
    /// queued since then (the API's submit and its what-if build it alike).</summary>
    public static Job Submitted(long id, string tenant, JobSubmission submission, DateTimeOffset now) => new()
    {
        Id = id,
        Tenant = tenant,
        Name = submission.Name,
        Priority = submission.Priority,
        Preemptible = submission.Preemptible,
        Replicas = submission.Replicas,
        Resources = submission.Resources,
        Command = submission.Command,
        Env = submission.Env,
        MaxRetries = submission.MaxRetries,
        Value = submission.Value,
        CreatedAt = now,
        QueuedAt = now,
        State = JobState.Pending,
    };

    /// <summary>The replicas, indexed by replica number.</summary>
    public List<JobTask> Tasks { get; } = [];

    /// <summary>History, oldest first.</summary>
    public List<JobEventView> Events { get; } = [];

    /// <summary>When the job last entered the queue (submission or requeue); in memory only, for the queue-wait histogram.</summary>
    public DateTimeOffset QueuedAt { get; set; }

    /// <summary>One placement request per replica, built once.</summary>
    public IReadOnlyList<TaskRequest> Requests => _requests ??= BuildRequests();

    private TaskRequest[]? _requests;

    /// <summary>True once the job can no longer change state.</summary>
    public bool IsTerminal => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    /// <summary>The job as the API shows it.</summary>
    public JobView ToView() => new()
    {
        Id = Id,
        Name = Name,
        Tenant = Tenant,
        State = State,
        Priority = Priority,
        Preemptible = Preemptible,
        Replicas = Replicas,
        Resources = Resources,
        Command = Command,
        Env = Env,
        MaxRetries = MaxRetries,
        Value = Value,
        Reason = Reason,
        Placements = [.. Tasks.Where(t => t.IsBound).Select(t => new PlacementView { Replica = t.Replica, Node = t.Node!, Gpus = t.Gpus })],
        Tasks = [.. Tasks.Select(t => new TaskView
        {
            Id = t.Id, Replica = t.Replica, State = t.State, Node = t.Node, Gpus = t.Gpus, Attempt = t.Attempt, ExitCode = t.ExitCode,
        })],
        Events = [.. Events],
        Retries = Retries,
        ExitCode = ExitCode,
        CreatedAt = CreatedAt,
    };

    private TaskRequest[] BuildRequests()
    {
        var r = Resources;
        var request = new TaskRequest
        {
            Name = $"job-{Id}",
            CpuMilli = r.CpuMilli,
            MemoryMiB = r.MemoryMiB,
            GpuCount = r.Gpu > 0 ? r.Gpu : r.GpuMilli > 0 ? 1 : 0,
            GpuMilliPerGpu = r.Gpu > 0 ? 1000 : r.GpuMilli,
            GpuModels = r.GpuModels ?? [],
            Fpga = r.Fpga,
            NetworkMbps = r.NetworkMbps,
            RdmaMilli = r.RdmaMilli,
            MaxPerNode = r.MaxPerNode,
            Priority = Priority,
            Preemptible = Preemptible,
            Gang = Replicas > 1 ? $"job-{Id}" : null,
            Topology = r.Topology is { } t ? new TopologyRequirement(t.Required ?? t.Preferred, t.Required is not null, t.NvLink) : null,
            Data = r.Data is { } d ? new DataRequirement(d.Name, d.SizeMiB, d.At) : null,
            Latency = r.Latency is { } l ? new LatencyRequirement(l.Users, l.BudgetMs) : null,
        };
        var result = new TaskRequest[Replicas];
        for (var i = 0; i < Replicas; i++)
        {
            result[i] = request with { Name = $"job-{Id}/{i}" };
        }

        return result;
    }

    /// <summary>Adds an event to the history (the caller persists it).</summary>
    public JobEventView AddEvent(DateTimeOffset time, string type, string message)
    {
        var e = new JobEventView { Time = time, Type = type, Message = message };
        Events.Add(e);
        return e;
    }
}
