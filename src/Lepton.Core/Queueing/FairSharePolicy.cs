using Lepton.Core.Resources;

namespace Lepton.Core.Queueing;

/// <summary>Fair share between tenants for the <see cref="QueuePlanner"/>: guarantees, borrowing of idle capacity with
/// reclaim, weighted dominant-resource fairness (DRF) between tenants, and priority with aging within a tenant.</summary>
/// <remarks>
/// <para><b>Between tenants</b> the planner takes, one job at a time, the next job of the tenant with the lowest weighted
/// dominant share (the largest of its CPU, memory and GPU usage as a fraction of the cluster, divided by its weight; a
/// GPU share counts by its fraction of a GPU), recomputed after every binding; ties by tenant name.</para>
/// <para><b>Within a tenant</b> jobs go by effective priority, then arrival. The effective priority is the priority plus
/// one for every <see cref="AgingInterval"/> waited, capped at 9. No-starvation bound: a job of priority p outranks
/// every later-submitted job of its tenant after at most (9 − p) × <see cref="AgingInterval"/> of waiting (a job of
/// priority 1 with the default 15 min interval: 2 h); from then on only the finitely many earlier jobs of its tenant go
/// before it within the tenant, and DRF gives its tenant the next pick whenever it holds the lowest share. Aging
/// changes the order only: preemption uses the declared priority, so an aged job never evicts anything it could not
/// evict before (aging cannot create eviction loops).</para>
/// <para><b>Borrowing and reclaim</b>: a tenant may hold up to its guarantee plus its borrowing limit. What it holds
/// beyond its guarantee is borrowed. A job that keeps its tenant within its guarantee may evict preemptible borrowed
/// jobs of other tenants (lowest priority first, then the least work lost: GPU-time run so far); a victim is taken only if its tenant
/// stays at or above its guarantee in every resource the victim holds. So no tenant is pushed below its guarantee, the
/// job that reclaims is itself never borrowed (never a reclaim victim), and the victim's tenant cannot reclaim back
/// (re-placing the victim would take it beyond its guarantee): there are no eviction loops. Across tenants, priority
/// preemption obeys the same rule (only borrowed work is taken); within a tenant it is the planner's usual rule. Victims are
/// chosen node by node (<see cref="ReclaimOrder"/>): the borrowed work taken frees a node the job fits on, so the amount a
/// borrower can give up is not spent on victims scattered over nodes that never become wide enough.</para>
/// <para><b>Guaranteed work first</b>: a cycle first places, in DRF order, the jobs that keep their tenant within its
/// guarantee, and only then the jobs that would borrow. Which of a tenant's jobs count as borrowed is read from what it
/// held when the cycle began: so idle room is lent only once no owner claims it in that cycle, and work lent in a cycle
/// never turns the borrower's older, running work into a reclaim victim (which would restart it and lose its work).</para>
/// <para><b>The room below a guarantee goes to the tenant's jobs in their order</b>: a job that would take its tenant from
/// below its guarantee to above it (<see cref="Straddles"/>: part of it within, part borrowed) waits while an earlier job of
/// the same tenant (in the aged order) found no room in this cycle, fits in the guarantee by itself and could fit on the
/// empty cluster (a job larger than the guarantee could never run in a private partition of it, so it has no claim). Such a job is not
/// reclaimable (taking it would leave its tenant below its guarantee), and as the tenant's older work ends it slides into
/// the guarantee: the tenant's earlier, larger jobs then see their tenant "at its guarantee" and may only borrow, so a
/// 4-GPU job that borrowed past an 8-GPU one keeps a 47-GPU guarantee at 40 GPUs of 8-GPU work instead of 44. With the
/// guarantee as a private partition (a hard quota) the later job would not have started and the earlier one would. A job
/// wholly beyond the guarantee (its tenant already holds it) still borrows past earlier ones: it stays reclaimable, and
/// a job of the tenant that ranks first may still straddle, so idle capacity is still lent.</para>
/// </remarks>
/// <param name="Tenants">Terms per tenant; a tenant missing here has <see cref="TenantShare.Unconfigured"/>.</param>
/// <param name="AgingInterval">Waiting time worth one priority level (must be positive).</param>
public sealed record FairSharePolicy(IReadOnlyDictionary<string, TenantShare> Tenants, TimeSpan AgingInterval)
{
    /// <summary>The default aging interval: 15 minutes per priority level.</summary>
    public static TimeSpan DefaultAgingInterval { get; } = TimeSpan.FromMinutes(15);

    /// <summary>The terms of <paramref name="tenant"/>.</summary>
    public TenantShare For(string tenant) => Tenants.TryGetValue(tenant, out var share) ? share : TenantShare.Unconfigured;

    /// <summary>The largest share of the cluster <paramref name="usage"/> holds in CPU, memory or GPU (0..1 when it fits).</summary>
    public static double DominantShare(ResourceVector usage, ResourceVector capacity)
    {
        var share = 0.0;
        if (capacity.CpuMilli > 0)
        {
            share = Math.Max(share, (double)usage.CpuMilli / capacity.CpuMilli);
        }

        if (capacity.MemoryMiB > 0)
        {
            share = Math.Max(share, (double)usage.MemoryMiB / capacity.MemoryMiB);
        }

        if (capacity.GpuMilli > 0)
        {
            share = Math.Max(share, (double)usage.GpuMilli / capacity.GpuMilli);
        }

        return share;
    }

    /// <summary>The dominant share divided by the tenant's weight: the key DRF orders tenants by.</summary>
    public double WeightedShare(string tenant, ResourceVector usage, ResourceVector capacity)
    {
        var weight = For(tenant).Weight;
        return DominantShare(usage, capacity) / (weight > 0 ? weight : 1);
    }

    /// <summary>The priority a job ranks with inside its tenant after waiting <paramref name="waited"/>.</summary>
    public int EffectivePriority(int priority, TimeSpan waited)
    {
        if (AgingInterval <= TimeSpan.Zero || waited <= TimeSpan.Zero)
        {
            return priority;
        }

        var levels = waited.Ticks / AgingInterval.Ticks;
        return (int)Math.Min(9, priority + Math.Min(levels, 9));
    }

    /// <summary>The longest a runnable job of <paramref name="priority"/> waits before no later job of its tenant ranks
    /// ahead of it: (9 − priority) × <see cref="AgingInterval"/>.</summary>
    public TimeSpan AgingBound(int priority) => AgingInterval * Math.Max(0, 9 - priority);

    /// <summary>Whether a tenant holding <paramref name="held"/> stays within its guarantee plus borrowing limit (always when
    /// the borrowing limit is unset); a resource neither names is unconstrained, as in <see cref="Within"/>.</summary>
    public static bool WithinLimit(ResourceVector held, TenantShare share)
    {
        if (share.Limit is not { } limit)
        {
            return true;
        }

        var any = limit != ResourceVector.Zero;
        return Fits(held.CpuMilli, limit.CpuMilli) && Fits(held.MemoryMiB, limit.MemoryMiB) && Fits(held.GpuMilli, limit.GpuMilli)
            && Fits(held.Fpga, limit.Fpga) && Fits(held.NetworkMbps, limit.NetworkMbps) && Fits(held.RdmaMilli, limit.RdmaMilli);

        bool Fits(long amount, long limited) => (any && limited == 0) || amount <= limited;
    }

    /// <summary>What <paramref name="usage"/> holds beyond <paramref name="share"/>'s guarantee, per resource (never negative;
    /// zero in a resource a non-zero guarantee leaves unnamed, as <see cref="Within"/> reads it).</summary>
    public static ResourceVector Borrowed(ResourceVector usage, TenantShare share)
    {
        var g = share.Guarantee;
        var any = g != ResourceVector.Zero;
        return new ResourceVector(Over(usage.CpuMilli, g.CpuMilli), Over(usage.MemoryMiB, g.MemoryMiB), Over(usage.GpuMilli, g.GpuMilli),
            Over(usage.Fpga, g.Fpga), Over(usage.NetworkMbps, g.NetworkMbps), Over(usage.RdmaMilli, g.RdmaMilli));

        long Over(long held, long guaranteed) => any && guaranteed == 0 ? 0 : Math.Max(0, held - guaranteed);
    }

    /// <summary>Whether a tenant holding <paramref name="held"/> stays within its guarantee in every resource the guarantee
    /// names (a non-zero component); an all-zero guarantee holds nothing. A guarantee of 8 GPUs alone thus does not also
    /// need a CPU and memory figure.</summary>
    public static bool Within(ResourceVector held, TenantShare share)
    {
        var g = share.Guarantee;
        if (g == ResourceVector.Zero)
        {
            return false;
        }

        return Fits(held.CpuMilli, g.CpuMilli) && Fits(held.MemoryMiB, g.MemoryMiB) && Fits(held.GpuMilli, g.GpuMilli)
            && Fits(held.Fpga, g.Fpga) && Fits(held.NetworkMbps, g.NetworkMbps) && Fits(held.RdmaMilli, g.RdmaMilli);

        static bool Fits(long amount, long guaranteed) => guaranteed == 0 || amount <= guaranteed;
    }

    /// <summary>Whether a job asking for <paramref name="job"/> takes a tenant holding <paramref name="held"/> from below its
    /// guarantee to above it in some resource the guarantee names (part of the job within the guarantee, part borrowed).</summary>
    public static bool Straddles(ResourceVector held, ResourceVector job, TenantShare share)
    {
        ArgumentNullException.ThrowIfNull(share);
        var g = share.Guarantee;
        return Across(held.CpuMilli, job.CpuMilli, g.CpuMilli) || Across(held.MemoryMiB, job.MemoryMiB, g.MemoryMiB)
            || Across(held.GpuMilli, job.GpuMilli, g.GpuMilli) || Across(held.Fpga, job.Fpga, g.Fpga)
            || Across(held.NetworkMbps, job.NetworkMbps, g.NetworkMbps) || Across(held.RdmaMilli, job.RdmaMilli, g.RdmaMilli);

        static bool Across(long amount, long asked, long guaranteed) => guaranteed > 0 && amount < guaranteed && asked > guaranteed - amount;
    }

    /// <summary>Whether taking <paramref name="victim"/> away from a tenant holding <paramref name="usage"/> leaves it at or
    /// above its guarantee in every resource the victim holds (the reclaim rule: only borrowed work is taken).</summary>
    public static bool IsBorrowed(ResourceVector victim, ResourceVector usage, TenantShare share)
    {
        var g = share.Guarantee;
        return Keeps(victim.CpuMilli, usage.CpuMilli, g.CpuMilli) && Keeps(victim.MemoryMiB, usage.MemoryMiB, g.MemoryMiB)
            && Keeps(victim.GpuMilli, usage.GpuMilli, g.GpuMilli) && Keeps(victim.Fpga, usage.Fpga, g.Fpga)
            && Keeps(victim.NetworkMbps, usage.NetworkMbps, g.NetworkMbps) && Keeps(victim.RdmaMilli, usage.RdmaMilli, g.RdmaMilli);

        static bool Keeps(long taken, long held, long guaranteed) => taken <= 0 || held - taken >= guaranteed;
    }
}
