namespace Lepton.Server.Energy;

/// <summary>How usage is priced: each node's own price per hour, or, where configured, a price per GPU-hour by GPU model.</summary>
/// <remarks>A task that holds GPUs of a priced model costs its GPU-hours times that price; any other task costs its share of
/// the node (the busier of its CPU and GPU shares) times the node's price per hour.</remarks>
public sealed record EnergyPrices
{
    /// <summary>Price per GPU-hour by GPU model name (e.g. <c>A100</c> → 2.5); empty uses node prices only.</summary>
    public IReadOnlyDictionary<string, double> GpuPerHour { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Parses <c>MODEL=PRICE</c> (one <c>--gpu-price</c> option) into <paramref name="prices"/>.</summary>
    /// <exception cref="ArgumentException">Not <c>MODEL=PRICE</c>, or the price is not a finite amount from 0 to 1,000,000.</exception>
    public static void ParseInto(string text, IDictionary<string, double> prices)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(prices);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var model = equals > 0 ? text[..equals].Trim() : "";
        if (model.Length == 0 || model.Length > 64
            || !double.TryParse(text[(equals + 1)..], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var price)
            || !double.IsFinite(price) || price > 1_000_000)
        {
            throw new ArgumentException($"--gpu-price '{text}': expected MODEL=PRICE per GPU-hour, such as A100=2.5");
        }

        prices[model] = price;
    }
}
