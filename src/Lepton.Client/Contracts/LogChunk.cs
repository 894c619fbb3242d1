namespace Lepton.Client.Contracts;

/// <summary>Body of <c>POST /api/v1/agent/nodes/{name}/tasks/{taskId}/logs</c>: a chunk of a task attempt's output.</summary>
public sealed record LogChunk
{
    /// <summary>Attempt the output belongs to.</summary>
    public int Attempt { get; set; }

    /// <summary><c>stdout</c> or <c>stderr</c>.</summary>
    public string Stream { get; set; } = "stdout";

    /// <summary>The text (UTF-8).</summary>
    public string Text { get; set; } = "";
}
