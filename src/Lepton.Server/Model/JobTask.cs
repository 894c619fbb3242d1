using Lepton.Client.Contracts;

namespace Lepton.Server.Model;

/// <summary>One replica of a job: the unit bound to a node; one row in the store's <c>tasks</c> table.</summary>
internal sealed class JobTask
{
    public required long Id { get; init; }
    public required long JobId { get; init; }
    public required int Replica { get; init; }
    public TaskState State { get; set; }

    /// <summary>Node while bound (Scheduled or Running); null otherwise.</summary>
    public string? Node { get; set; }

    /// <summary>GPU indices on <see cref="Node"/>.</summary>
    public int[] Gpus { get; set; } = [];

    /// <summary>Attempt number; goes up on every requeue so that a stale process can be told apart.</summary>
    public int Attempt { get; set; }
    public int? ExitCode { get; set; }

    /// <summary>True while the task holds resources on <see cref="Node"/>.</summary>
    public bool IsBound => State is TaskState.Scheduled or TaskState.Running;
}
