using System.Globalization;

namespace Lepton.Cli.Commands.Simulate;

/// <summary>Parses a seed list such as <c>42-51</c>, <c>7</c> or <c>1,2,10-12</c>.</summary>
internal static class SeedList
{
    /// <summary>The seeds in the order given, duplicates removed.</summary>
    /// <exception cref="CliError">The text is not a seed list (usage error).</exception>
    public static IReadOnlyList<int> Parse(string text)
    {
        var seeds = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1);
            if (dash > 0)
            {
                var from = ParseOne(part[..dash], text);
                var to = ParseOne(part[(dash + 1)..], text);
                if (to < from || to - (long)from >= 100_000)
                {
                    throw new CliError($"--seeds: '{part}' is not a range low-high with at most 100000 seeds", 2);
                }

                // A long counter: with an int one, a range ending at int.MaxValue would wrap around and never end.
                for (long s = from; s <= to; s++)
                {
                    seeds.Add((int)s);
                }
            }
            else
            {
                seeds.Add(ParseOne(part, text));
            }
        }

        return seeds.Count > 0 ? [.. seeds.Distinct()] : throw new CliError("--seeds: give at least one seed, e.g. 42-51", 2);
    }

    private static int ParseOne(string value, string text) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new CliError($"--seeds: '{value}' in '{text}' is not an integer", 2);
}
