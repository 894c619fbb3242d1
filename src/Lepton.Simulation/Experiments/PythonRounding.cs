using System.Numerics;

namespace Lepton.Simulation.Experiments;

/// <summary>Rounding that matches Python's built-in <c>round</c> on floats, which the published analysis scripts use.</summary>
/// <remarks>
/// Python rounds the <em>exact</em> binary value of the double to the nearest multiple of 10^-digits, ties to even, and
/// then returns the double nearest to that decimal. .NET's <see cref="Math.Round(double, int, MidpointRounding)"/>
/// scales by 10^digits in floating point first, which disagrees on values such as 2.675 (exactly 2.67499999…).
/// Here the double is decomposed into mantissa × 2^exponent and compared with the half-way point in integers.
/// </remarks>
public static class PythonRounding
{
    /// <summary>Python's <c>round(value, digits)</c> for 0 ≤ digits ≤ 15.</summary>
    public static double Round(double value, int digits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 15);
        if (!double.IsFinite(value) || value == 0)
        {
            return value;
        }

        var negative = value < 0;
        var bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        var exponentBits = (int)((bits >> 52) & 0x7FF);
        var fraction = bits & 0xFFFFFFFFFFFFFL;
        long mantissa;
        int exponent;
        if (exponentBits == 0)
        {
            mantissa = fraction;
            exponent = -1074;
        }
        else
        {
            mantissa = fraction | (1L << 52);
            exponent = exponentBits - 1075;
        }

        if (exponent >= 0)
        {
            return value; // an integer already
        }

        // value × 10^digits = mantissa × 10^digits / 2^-exponent, exactly. The 128-bit path covers every value the
        // metrics produce (mantissa < 2^53, 10^digits ≤ 10^4, shift < 64) without allocating.
        if (-exponent < 64 && digits <= 4)
        {
            var wideNumerator = (UInt128)(ulong)mantissa * (ulong)Pow10(digits);
            var wideDenominator = (UInt128)1 << -exponent;
            var wideQuotient = wideNumerator / wideDenominator;
            var wideTwice = (wideNumerator - (wideQuotient * wideDenominator)) * 2;
            if (wideTwice > wideDenominator || (wideTwice == wideDenominator && (wideQuotient & 1) == 1))
            {
                wideQuotient += 1;
            }

            var wideRounded = (double)wideQuotient / Pow10(digits);
            return negative ? -wideRounded : wideRounded;
        }

        var numerator = new BigInteger(mantissa) * BigInteger.Pow(10, digits);
        var denominator = BigInteger.One << -exponent;
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        var comparison = twice.CompareTo(denominator);
        if (comparison > 0 || (comparison == 0 && !quotient.IsEven))
        {
            quotient += 1;
        }

        var rounded = (double)quotient / Math.Pow(10, digits);
        return negative ? -rounded : rounded;
    }

    private static long Pow10(int digits) => digits switch
    {
        0 => 1,
        1 => 10,
        2 => 100,
        3 => 1000,
        _ => 10000,
    };

    /// <summary>Python's <c>round(value)</c>: to the nearest integer, ties to even.</summary>
    public static long RoundToInteger(double value) => (long)Math.Round(value, MidpointRounding.ToEven);
}
