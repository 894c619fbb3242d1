namespace Lepton.Client.Contracts;

/// <summary>Body of <c>POST /api/v1/agent/nodes/{name}/tasks/{taskId}/status</c>: an agent reports a task attempt started, exited or released.</summary>
public sealed record TaskStatusReport
{
    /// <summary>Attempt the report is about; a report for a stale attempt (requeued, moved, ended) is accepted (204) and ignored.</summary>
    public int Attempt { get; set; }

    /// <summary><c>Started</c>, <c>Exited</c>, or <c>Released</c>: the agent is stopping cleanly and hands the attempt back
    /// (its node is marked Down and its jobs requeued without using a retry).</summary>
    public string Status { get; set; } = "";

    /// <summary>Exit code, when <see cref="Status"/> is <c>Exited</c>.</summary>
    public int? ExitCode { get; set; }

    /// <summary>Optional detail (e.g. "command not found").</summary>
    public string? Message { get; set; }
}
