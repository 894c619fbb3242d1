namespace Lepton.Simulation.Jobs;

/// <summary>The command-line names of <see cref="JobOrder"/> values: <c>fifo</c>, <c>priority</c>, <c>longest-first</c>, <c>shortest-first</c>.</summary>
public static class JobOrderNames
{
    /// <summary>Every name, in enum order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<JobOrder>().Select(Format)];

    /// <summary>The name of <paramref name="order"/>.</summary>
    public static string Format(JobOrder order) => order switch
    {
        JobOrder.Fifo => "fifo",
        JobOrder.Priority => "priority",
        JobOrder.LongestFirst => "longest-first",
        JobOrder.ShortestFirst => "shortest-first",
        _ => order.ToString(),
    };

    /// <summary>Parses a name (case-insensitive); false when unknown.</summary>
    public static bool TryParse(string? text, out JobOrder order)
    {
        foreach (var candidate in Enum.GetValues<JobOrder>())
        {
            if (string.Equals(Format(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                order = candidate;
                return true;
            }
        }

        order = default;
        return false;
    }
}
