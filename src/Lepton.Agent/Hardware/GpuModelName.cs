using System.Text.RegularExpressions;

namespace Lepton.Agent.Hardware;

/// <summary>Maps a GPU product name to the short model name Lepton schedules on (<c>A100</c>, <c>H100</c>, <c>V100M32</c>…).</summary>
/// <remarks>
/// The short names follow the public traces (openb, PAI): a family token such as <c>A100</c> or <c>T4</c>, and for the
/// V100, whose two memory sizes the traces schedule separately, the memory in GB (<c>V100M16</c>, <c>V100M32</c>).
/// An unknown product keeps its name with the vendor prefix and spaces removed, so nothing is silently merged.
/// </remarks>
public static partial class GpuModelName
{
    /// <summary>The short model name for <paramref name="productName"/> with <paramref name="memoryMiB"/> of device memory.</summary>
    public static string Shorten(string productName, long memoryMiB)
    {
        ArgumentNullException.ThrowIfNull(productName);
        var name = productName.Trim();
        foreach (var prefix in new[] { "NVIDIA ", "Tesla ", "GeForce ", "Quadro " })
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[prefix.Length..];
            }
        }

        var match = Family().Match(name);
        if (!match.Success)
        {
            return name.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        }

        var family = match.Groups[1].Value.ToUpperInvariant();
        if (family == "V100")
        {
            // nvidia-smi reports usable memory a little under the marketing size (32 GB → 32510 MiB).
            var gigabytes = memoryMiB > 24 * 1024 ? 32 : 16;
            return $"V100M{gigabytes}";
        }

        return family;
    }

    // Longest alternatives first so that "A100" is not read as "A10" and "L40S" not as "L40".
    [GeneratedRegex(@"\b(GH200|GB200|B200|B100|H200|H100|H800|H20|A100|A800|A30|A40|A10G|A10|A16|A2|L40S|L40|L4|V100|P100|P40|P4|T4|K80|RTX ?\d{4}(?: ?Ti)?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Family();
}
