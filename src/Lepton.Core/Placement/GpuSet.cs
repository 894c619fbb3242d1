using System.Numerics;

namespace Lepton.Core.Placement;

/// <summary>A set of GPU indices on one node (at most 64 GPUs per node), as a bit mask.</summary>
public readonly record struct GpuSet(ulong Mask)
{
    /// <summary>The empty set (a task that needs no GPU).</summary>
    public static GpuSet Empty => default;

    /// <summary>Number of GPUs in the set.</summary>
    public int Count => BitOperations.PopCount(Mask);

    /// <summary>True when the set holds no GPU.</summary>
    public bool IsEmpty => Mask == 0;

    /// <summary>True when GPU <paramref name="index"/> is in the set.</summary>
    public bool Contains(int index) => (uint)index < 64 && (Mask & (1UL << index)) != 0;

    /// <summary>The set with GPU <paramref name="index"/> added.</summary>
    public GpuSet With(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 63);
        return new GpuSet(Mask | (1UL << index));
    }

    /// <summary>A set of the given indices.</summary>
    public static GpuSet Of(params ReadOnlySpan<int> indices)
    {
        var set = Empty;
        foreach (var i in indices)
        {
            set = set.With(i);
        }

        return set;
    }

    /// <summary>The indices in ascending order (allocates; for boundaries such as results and JSON).</summary>
    public int[] ToArray()
    {
        var result = new int[Count];
        var k = 0;
        foreach (var i in this)
        {
            result[k++] = i;
        }

        return result;
    }

    /// <summary>Allocation-free enumeration of the indices in ascending order.</summary>
    public Enumerator GetEnumerator() => new(Mask);

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(",", ToArray()) + "]";

    /// <summary>Enumerates set bits from the lowest.</summary>
    public struct Enumerator(ulong mask)
    {
        private ulong _rest = mask;

        /// <summary>The current GPU index.</summary>
        public int Current { get; private set; } = -1;

        /// <summary>Advances to the next index.</summary>
        public bool MoveNext()
        {
            if (_rest == 0)
            {
                return false;
            }

            Current = BitOperations.TrailingZeroCount(_rest);
            _rest &= _rest - 1;
            return true;
        }
    }
}
