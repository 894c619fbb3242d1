using Lepton.Client.Contracts;

namespace Lepton.Cli.Output;

/// <summary>What <c>lepton job logs --json</c> prints: the output of every replica with the job's state and reason.</summary>
internal sealed record JobLogsView
{
    /// <summary>Job id.</summary>
    public long JobId { get; init; }

    /// <summary>The job's state after the output was read.</summary>
    public JobState State { get; init; }

    /// <summary>Why the job failed or waits, if it does.</summary>
    public string? Reason { get; init; }

    /// <summary>Output of every replica.</summary>
    public string Text { get; init; } = "";
}
