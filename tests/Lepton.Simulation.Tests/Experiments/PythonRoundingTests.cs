using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Tests.Experiments;

public sealed class PythonRoundingTests
{
    // Expected values are what CPython 3 prints for round(value, digits).
    [Theory]
    [InlineData(2.675, 2, 2.67)]
    [InlineData(0.125, 2, 0.12)]
    [InlineData(0.375, 2, 0.38)]
    [InlineData(1.005, 2, 1.0)]
    [InlineData(92.905, 2, 92.91)]
    [InlineData(-2.675, 2, -2.67)]
    [InlineData(1e-20, 2, 0.0)]
    [InlineData(123456.785, 2, 123456.79)]
    [InlineData(0.045, 2, 0.04)]
    [InlineData(97.98454603992272, 2, 97.98)]
    public void Round_TwoDigits_MatchesPython(double value, int digits, double expected) =>
        Assert.Equal(expected, PythonRounding.Round(value, digits));

    [Theory]
    [InlineData(0.5, 0)]
    [InlineData(1.5, 2)]
    [InlineData(2.5, 2)]
    [InlineData(3.5, 4)]
    [InlineData(2.4999999, 2)]
    public void RoundToInteger_Ties_GoToEven(double value, long expected) =>
        Assert.Equal(expected, PythonRounding.RoundToInteger(value));

    [Fact]
    public void Round_ManyRandomValues_MatchesDecimalHalfEvenOnExactValue()
    {
        // The exact decimal value of a double is (mantissa × 2^exponent); decimal holds it exactly for these magnitudes.
        var random = new Random(1);
        for (var i = 0; i < 10_000; i++)
        {
            var value = Math.Round(random.NextDouble() * 100, 3);
            var exact = ExactDecimal(value);
            var expected = (double)Math.Round(exact, 2, MidpointRounding.ToEven);
            Assert.Equal(expected, PythonRounding.Round(value, 2));
        }
    }

    private static decimal ExactDecimal(double value)
    {
        if (value == 0)
        {
            return 0m;
        }

        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1075;
        var mantissa = (bits & 0xFFFFFFFFFFFFFL) | (1L << 52);
        var result = (decimal)mantissa;
        for (; exponent < 0; exponent++)
        {
            result /= 2;
        }

        return result;
    }
}
