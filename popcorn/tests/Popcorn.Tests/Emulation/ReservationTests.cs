using Popcorn.Emulation;
using Popcorn.Emulation.AArch64;
using Popcorn.Emulation.RiscV;

namespace Popcorn.Tests.Emulation;

/// <summary>
/// An LR/SC (riscv64) or exclusive-monitor (aarch64) reservation does not survive the thread leaving the CPU: a
/// quantum's end, a system call, a migration (which stops the thread at its trap and resumes it on the other node)
/// all return from <see cref="ICpu.Run"/>, and the next <see cref="ICpu.Run"/> starts without a reservation, so the
/// store-conditional fails and the guest's loop retries. A quantum that ends inside a short LR/SC sequence runs on to
/// its store (<see cref="ArchitecturalState.ReservationGrace"/>), so such loops make progress however the quanta
/// fall. Each case runs an increment loop (encodings from llvm-mc-19): load-reserved, add 1, GAP nops,
/// store-conditional, count the attempt, retry on failure, then a breakpoint.
/// </summary>
public sealed class ReservationTests
{
    private const ulong Code = 0x10000;
    private const ulong Data = 0x20000;

    // lr.d t0,(a0); addi t0,t0,1; nop × gap; sc.d t1,t0,(a0); addi a2,a2,1; bnez t1,<lr.d>; ebreak
    private static uint[] RiscVLoop(int gap) =>
        [0x100532af, 0x00128293, .. Enumerable.Repeat(0x00000013u, gap), 0x1855332f, 0x00160613, BranchBack(gap), 0x00100073];

    // ldxr x9,[x0]; add x9,x9,#1; nop × gap; stxr w10,x9,[x0]; add x2,x2,#1; cbnz w10,<ldxr>; brk #0
    private static uint[] A64Loop(int gap) =>
        [0xc85f7c09, 0x91000529, .. Enumerable.Repeat(0xd503201fu, gap), 0xc80a7c09, 0x91000442, 0x35000000 | ((uint)(-(gap + 4)) & 0x7FFFF) << 5 | 10, 0xd4200000];

    /// <summary>bnez t1 back over <paramref name="gap"/> + 4 instructions (B-type immediate).</summary>
    private static uint BranchBack(int gap)
    {
        var offset = (uint)(-(gap + 4) * 4);
        return ((offset >> 12) & 1) << 31 | ((offset >> 5) & 0x3F) << 25 | 6 << 15 | 1 << 12 | ((offset >> 1) & 0xF) << 8 | ((offset >> 11) & 1) << 7 | 0x63;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_store_conditional_after_the_thread_left_the_cpu_fails_and_the_loop_retries(bool aarch64)
    {
        // More instructions between the two than the grace: a quantum ending after the load-reserved loses it.
        using var space = new AddressSpace();
        using var memory = new GuestMemory(space, null);
        var cpu = Load(space, memory, aarch64, ArchitecturalState.ReservationGrace + 4);

        // Not interrupted: one attempt.
        memory.Write64(Data, 40);
        Assert.Equal((StopReason.Breakpoint, 1UL, 41UL), RunToBreakpoint(cpu, Start(cpu), memory));

        // The quantum ended after the load-reserved: the reservation is gone when the thread runs again, the
        // store-conditional fails, the loop retries once.
        var state = Start(cpu);
        Assert.Equal(StopReason.InstructionLimit, cpu.Run(state, 1).Reason);
        Assert.True(state.HoldsReservation, "the load-reserved took a reservation");
        Assert.Equal((StopReason.Breakpoint, 2UL, 42UL), RunToBreakpoint(cpu, state, memory));

        // Another thread stores to the word while this one is switched out: the retry reads the new value, so the
        // increment is not lost.
        state = Start(cpu);
        cpu.Run(state, 1);
        memory.Write64(Data, 100);
        Assert.Equal((StopReason.Breakpoint, 2UL, 101UL), RunToBreakpoint(cpu, state, memory));

        // The thread resumes on another CPU over the same memory (as a migrated thread resumes on another node):
        // the store-conditional fails there too.
        state = Start(cpu);
        cpu.Run(state, 1);
        ICpu other = aarch64 ? new A64Cpu(memory) : new RiscVCpu(memory);
        Assert.Equal((StopReason.Breakpoint, 2UL, 102UL), RunToBreakpoint(other, state, memory));

        // Stack transformation starts the destination without a reservation; clearing one forgets it.
        state = Start(cpu);
        cpu.Run(state, 1);
        state.ClearReservation();
        Assert.False(state.HoldsReservation);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_quantum_ending_inside_a_short_reservation_sequence_runs_on_to_its_store(bool aarch64)
    {
        using var space = new AddressSpace();
        using var memory = new GuestMemory(space, null);
        var cpu = Load(space, memory, aarch64, gap: 3);
        memory.Write64(Data, 7);
        for (var limit = 1; limit <= 6; limit++)
        {
            var state = Start(cpu);
            var first = cpu.Run(state, limit);
            Assert.False(state.HoldsReservation, $"a quantum of {limit} left the thread between its load-reserved and its store-conditional");
            Assert.True(first.Retired >= limit);
            Assert.Equal(StopReason.Breakpoint, RunToBreakpoint(cpu, state, memory).Stop);
        }
        // Six increments, each at its first attempt.
        Assert.Equal(13UL, memory.Read64(Data));
    }

    private static ICpu Load(AddressSpace space, GuestMemory memory, bool aarch64, int gap)
    {
        space.Map(Code, AddressSpace.PageSize, PagePermissions.ReadWrite | PagePermissions.Execute);
        space.Map(Data, AddressSpace.PageSize, PagePermissions.ReadWrite);
        var words = aarch64 ? A64Loop(gap) : RiscVLoop(gap);
        for (var i = 0; i < words.Length; i++)
        {
            memory.Write32(Code + (ulong)(i * 4), words[i]);
        }
        return aarch64 ? new A64Cpu(memory) : new RiscVCpu(memory);
    }

    private static ArchitecturalState Start(ICpu cpu)
    {
        var state = cpu.CreateState();
        state.ProgramCounter = Code;
        switch (state)
        {
            case RiscVState r:
                r.X[10] = Data;
                break;
            case A64State a:
                a.SetX(0, Data);
                break;
        }
        return state;
    }

    private static (StopReason Stop, ulong Attempts, ulong Value) RunToBreakpoint(ICpu cpu, ArchitecturalState state, GuestMemory memory)
    {
        var stop = cpu.Run(state, 1000);
        return (stop.Reason, state is RiscVState r ? r.X[12] : ((A64State)state).GetX(2), memory.Read64(Data));
    }
}
