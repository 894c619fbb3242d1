namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>
/// <c>frugal</c>'s decision rule: power first while the cluster is lightly allocated, FGD first as it fills, and CPU-only
/// tasks where CPU is left over.
/// </summary>
/// <remarks>
/// <para><b>GPU tasks.</b> Let u be the share of the cluster's GPU milli allocated now and K(u) the FGD slack: <see cref="EarlySlack"/>
/// (100, i.e. no bar at all, since FGD scores lie in 0–100) while u ≤ <see cref="PowerUntil"/>, falling linearly to
/// <see cref="LateSlack"/> at u = <see cref="FgdFrom"/> and staying there. Among feasible nodes whose FGD score is at least
/// the best score − K(u), the node whose power grows least wins (PWR's delta); ties go to the higher FGD score, then the
/// smallest node name. FGD picks the GPU inside the node.</para>
/// <para><b>CPU-only tasks.</b> A node's CPU surplus is the CPU it has left after the task minus what its free GPUs will need
/// at the workload's CPU per GPU (<see cref="CpuSurplus"/>). Among nodes within <see cref="CpuBandMilli"/> of the largest
/// surplus, the least power increase wins (an already active socket), then the larger surplus, then the name.</para>
/// <para>Why (measured on openb <c>default</c>, PWR-SPEC's power model): all of PWR's saving comes from which GPU models are
/// busy (cheap T4/G2 before V100/P100/G3); FGD already keeps as few GPUs busy. What costs allocation is (1) CPU-only tasks
/// packed onto the sockets of idle expensive nodes (G3, V100), whose GPUs are then stranded without CPU when they are
/// finally needed, and (2) keeping the expensive GPUs idle until the end, when too little of the workload is left to fill
/// them. The surplus rule fixes (1) and puts CPU-only work on the CPU-rich T4 nodes; the falling slack fixes (2) by
/// handing the choice back to FGD while enough workload is still to come. Combined with power only as FGD's tie-break,
/// the slack bar also replaces PWR+FGD's weighted sum, whose min–max-normalised power term swamps the unnormalised FGD.</para>
/// </remarks>
/// <param name="EarlySlack">FGD slack (score points) while u ≤ <paramref name="PowerUntil"/>.</param>
/// <param name="PowerUntil">Allocated GPU share up to which power decides alone.</param>
/// <param name="LateSlack">FGD slack from u = <paramref name="FgdFrom"/> on.</param>
/// <param name="FgdFrom">Allocated GPU share from which FGD leads with <paramref name="LateSlack"/>.</param>
/// <param name="CpuBandMilli">How far below the largest CPU surplus a CPU-only task may go to save power (milli-CPU).</param>
internal readonly record struct FrugalRule(double EarlySlack, double PowerUntil, double LateSlack, double FgdFrom, double CpuBandMilli)
{
    /// <summary>The rule of the registered <c>frugal</c> (tuned on openb default, seeds 42–51).</summary>
    public static FrugalRule Default { get; } = new(100, 0.4, 2, 0.7, 70_000);

    /// <summary>K(u): the FGD slack at allocated GPU share <paramref name="used"/>.</summary>
    public double Slack(double used) =>
        used <= PowerUntil ? EarlySlack
        : used >= FgdFrom ? LateSlack
        : EarlySlack + ((LateSlack - EarlySlack) * (used - PowerUntil) / (FgdFrom - PowerUntil));

    /// <summary>CPU left after the task minus what the node's free GPUs need at <paramref name="cpuMilliPerGpu"/> (milli-CPU per whole GPU).</summary>
    public static double CpuSurplus(long cpuLeftMilli, long gpuFreeMilli, double cpuMilliPerGpu) =>
        cpuLeftMilli - (gpuFreeMilli * cpuMilliPerGpu / 1000.0);
}
