namespace Lepton.Core.Queueing;

/// <summary>A named queue discipline of the <see cref="QueuePlanner"/>: the order jobs are considered in and what happens
/// behind a job that cannot be placed.</summary>
/// <param name="Name">The name used on the command line (<c>lepton serve --queue</c>, <c>lepton simulate jobs --queue</c>).</param>
/// <param name="Order">Order of the pending jobs.</param>
/// <param name="Backfill">Whether and how jobs behind a blocked head may start.</param>
public sealed record QueueDiscipline(string Name, QueueOrder Order, BackfillMode Backfill)
{
    /// <summary>Strict FIFO: arrival order, nothing passes a job that cannot start.</summary>
    public static QueueDiscipline Fifo { get; } = new("fifo", QueueOrder.Arrival, BackfillMode.None);

    /// <summary>Strict priority: most important first, nothing passes a job that cannot start.</summary>
    public static QueueDiscipline Priority { get; } = new("priority", QueueOrder.Priority, BackfillMode.None);

    /// <summary>Priority with greedy backfill: any job that fits starts (the server's behaviour before disciplines existed).</summary>
    public static QueueDiscipline PriorityBackfill { get; } = new("priority-backfill", QueueOrder.Priority, BackfillMode.Greedy);

    /// <summary>Priority with EASY backfill: the blocked head job holds a reservation that later jobs may not delay.</summary>
    public static QueueDiscipline Easy { get; } = new("easy", QueueOrder.Priority, BackfillMode.Easy);

    /// <summary>The default: <see cref="PriorityBackfill"/>.</summary>
    public static QueueDiscipline Default => PriorityBackfill;

    /// <summary>Every named discipline.</summary>
    public static IReadOnlyList<QueueDiscipline> All { get; } = [Fifo, Priority, PriorityBackfill, Easy];

    /// <summary>Every name, for usage messages.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(d => d.Name)];

    /// <summary>Finds a discipline by name (case-insensitive; <c>backfill</c> is an alias of <c>priority-backfill</c>).</summary>
    public static bool TryParse(string? name, out QueueDiscipline discipline)
    {
        var text = name?.Trim();
        if (string.Equals(text, "backfill", StringComparison.OrdinalIgnoreCase))
        {
            text = PriorityBackfill.Name;
        }

        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name, text, StringComparison.OrdinalIgnoreCase))
            {
                discipline = candidate;
                return true;
            }
        }

        discipline = Default;
        return false;
    }

    /// <summary>This discipline with another order (the name says so: <c>easy+shortest-first</c>).</summary>
    public QueueDiscipline WithOrder(QueueOrder order) =>
        order == Order ? this : this with { Name = Name + "+" + OrderName(order), Order = order };

    /// <summary>The command-line name of an order: <c>priority</c>, <c>fifo</c> (arrival), <c>longest-first</c>, <c>shortest-first</c>.</summary>
    public static string OrderName(QueueOrder order) => order switch
    {
        QueueOrder.Priority => "priority",
        QueueOrder.Arrival => "fifo",
        QueueOrder.LongestFirst => "longest-first",
        QueueOrder.ShortestFirst => "shortest-first",
        _ => order.ToString(),
    };

    /// <summary>Parses an order name (case-insensitive); false when unknown.</summary>
    public static bool TryParseOrder(string? text, out QueueOrder order)
    {
        foreach (var candidate in Enum.GetValues<QueueOrder>())
        {
            if (string.Equals(OrderName(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                order = candidate;
                return true;
            }
        }

        order = default;
        return false;
    }
}
