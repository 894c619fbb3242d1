namespace Lepton.Server.Power;

/// <summary>How the server switches idle nodes off and on (<c>lepton serve --power-off-command … --power-on-command …</c>).</summary>
public sealed record PowerControllerOptions
{
    /// <summary>The admin's command that switches a node off; the node name is appended as the last argument.</summary>
    public required string PowerOffCommand { get; init; }

    /// <summary>The admin's command that switches a node on; the node name is appended as the last argument.</summary>
    public required string PowerOnCommand { get; init; }

    /// <summary>A Ready node with nothing bound for this long is switched off (unless a queued job would be placed on it).</summary>
    public TimeSpan PowerOffAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a woken node has to heartbeat again before the wake counts as failed.</summary>
    public TimeSpan WakeTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Nodes kept on however idle (<c>--power-keep-on</c>): spare room so that some new work starts at once.</summary>
    public int MinNodesOn { get; init; }

    /// <summary>How long one run of a command may take before it is killed.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the controller looks at the nodes and the queue.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);
}
