using Popcorn.Emulation;
using Popcorn.Emulation.AArch64;
using Popcorn.Emulation.RiscV;

namespace Popcorn.Tests.Emulation;

/// <summary>
/// An LR/SC (riscv64) or exclusive-monitor (aarch64) reservation does not survive the thread leaving the CPU: a
/// quantum's end, a system call, a migration (which stops the thread at its trap and resumes it on the other node)
/// all return from <see cref="ICpu.Run"/>, and the next <see cref="ICpu.Run"/> starts without a reservation, so the
/// store-conditional fails and the guest's loop retries. Each case runs the same increment loop (encodings from
/// llvm-mc-19): load-reserved, add 1, store-conditional, count the attempt, retry on failure, then a breakpoint.
/// </summary>
public sealed class ReservationTests
{
    private const ulong Code = 0x10000;
    private const ulong Data = 0x20000;

    // lr.d t0,(a0); addi t0,t0,1; sc.d t1,t0,(a0); addi a2,a2,1; bnez t1,-16; ebreak
    private static readonly uint[] RiscVLoop = [0x100532af, 0x00128293, 0x1855332f, 0x00160613, 0xfe0318e3, 0x00100073];

    // ldxr x9,[x0]; add x9,x9,#1; stxr w10,x9,[x0]; add x2,x2,#1; cbnz w10,-16; brk #0
    private static readonly uint[] A64Loop = [0xc85f7c09, 0x91000529, 0xc80a7c09, 0x91000442, 0x35ffff8a, 0xd4200000];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_store_conditional_after_a_stop_between_it_and_its_load_reserved_fails_and_the_loop_retries(bool aarch64)
    {
        using var space = new AddressSpace();
        using var memory = new GuestMemory(space, null);
        space.Map(Code, AddressSpace.PageSize, PagePermissions.ReadWrite | PagePermissions.Execute);
        space.Map(Data, AddressSpace.PageSize, PagePermissions.ReadWrite);
        var words = aarch64 ? A64Loop : RiscVLoop;
        for (var i = 0; i < words.Length; i++)
        {
            memory.Write32(Code + (ulong)(i * 4), words[i]);
        }
        ICpu cpu = aarch64 ? new A64Cpu(memory) : new RiscVCpu(memory);

        // Not interrupted: one attempt.
        memory.Write64(Data, 40);
        var (stop, attempts) = RunToBreakpoint(cpu, Start(cpu));
        Assert.Equal((StopReason.Breakpoint, 1UL, 41UL), (stop, attempts, memory.Read64(Data)));

        // Stopped right after the load-reserved (the quantum ended there), then resumed: the reservation is gone,
        // the store-conditional fails, the loop retries once.
        var state = Start(cpu);
        Assert.Equal(StopReason.InstructionLimit, cpu.Run(state, 1).Reason);
        Assert.True(HoldsReservation(state), "the load-reserved took a reservation");
        (stop, attempts) = RunToBreakpoint(cpu, state);
        Assert.Equal((StopReason.Breakpoint, 2UL, 42UL), (stop, attempts, memory.Read64(Data)));

        // Another thread stores to the word while this one is switched out between its load-reserved and its
        // store-conditional: the retry reads the new value, so the increment is not lost.
        state = Start(cpu);
        cpu.Run(state, 1);
        memory.Write64(Data, 100);
        (stop, attempts) = RunToBreakpoint(cpu, state);
        Assert.Equal((StopReason.Breakpoint, 2UL, 101UL), (stop, attempts, memory.Read64(Data)));

        // Stopped between the add and the store-conditional, and the thread resumed on another CPU of the same
        // memory (as a migrated thread resumes on another node): the store-conditional fails there too.
        state = Start(cpu);
        cpu.Run(state, 2);
        ICpu other = aarch64 ? new A64Cpu(memory) : new RiscVCpu(memory);
        (stop, attempts) = RunToBreakpoint(other, state);
        Assert.Equal((StopReason.Breakpoint, 2UL, 102UL), (stop, attempts, memory.Read64(Data)));

        // Stack transformation starts the destination without a reservation, and clearing one forgets it.
        state = Start(cpu);
        cpu.Run(state, 1);
        state.ClearReservation();
        Assert.False(HoldsReservation(state));
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

    private static (StopReason Stop, ulong Attempts) RunToBreakpoint(ICpu cpu, ArchitecturalState state)
    {
        var stop = cpu.Run(state, 100);
        return (stop.Reason, state is RiscVState r ? r.X[12] : ((A64State)state).GetX(2));
    }

    private static bool HoldsReservation(ArchitecturalState state) => state is RiscVState r ? r.ReservationValid : ((A64State)state).ExclusiveSize != 0;
}
