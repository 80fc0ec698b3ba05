using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Systems.RiscV;

namespace Popcorn.Emulation.RiscV;

/// <summary>
/// An RV64GC hart in user mode (RV64IMAFDC, Zicsr, Zifencei) over one node's <see cref="GuestMemory"/>. Instructions
/// are decoded by the shared table-driven decoder (<see cref="InstructionDecoder"/>) the first time each address
/// executes and kept per page (<see cref="DecodedInstruction"/>, 16 bytes per 2-byte slot); a store to a page holding
/// decoded code, or <c>fence.i</c>, discards them. The interpreter loop allocates nothing.
/// </summary>
public sealed class RiscVCpu : ICpu, ICodeCache
{
    private const int SlotsPerPage = (int)(AddressSpace.PageSize / 2);
    private const int PageCacheSize = 64;

    private readonly Dictionary<ulong, DecodedInstruction[]> _pages = [];
    private readonly ulong[] _recentTags = new ulong[PageCacheSize];
    private readonly DecodedInstruction[]?[] _recentPages = new DecodedInstruction[PageCacheSize][];

    /// <summary>A hart executing through <paramref name="memory"/>.</summary>
    public RiscVCpu(GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Memory = memory;
        memory.RegisterCodeCache(this);
        Array.Fill(_recentTags, ulong.MaxValue);
    }

    /// <inheritdoc />
    public Isa Isa => Isa.RiscV64;

    /// <inheritdoc />
    public GuestMemory Memory { get; }

    /// <inheritdoc />
    public ArchitecturalState CreateState() => new RiscVState();

    /// <inheritdoc />
    public void InvalidatePage(ulong pageAddress)
    {
        _pages.Remove(pageAddress);
        var slot = (int)((pageAddress >> AddressSpace.PageShift) % PageCacheSize);
        if (_recentTags[slot] == pageAddress)
        {
            _recentTags[slot] = ulong.MaxValue;
            _recentPages[slot] = null;
        }
    }

    /// <inheritdoc />
    public CpuStop Run(ArchitecturalState state, long instructionLimit)
    {
        if (state is not RiscVState s)
        {
            throw new ArgumentException($"a riscv64 CPU cannot run {state?.Isa.Name() ?? "null"} state", nameof(state));
        }
        s.ClearReservation();
        var stop = Execute(s, instructionLimit);
        if (stop.Reason == StopReason.InstructionLimit && s.ReservationValid)
        {
            var more = Execute(s, ArchitecturalState.ReservationGrace);
            stop = more with { Retired = stop.Retired + more.Retired };
        }
        s.InstructionsRetired += stop.Retired;
        return stop;
    }

    private DecodedInstruction[] PageFor(ulong pageAddress)
    {
        var slot = (int)((pageAddress >> AddressSpace.PageShift) % PageCacheSize);
        if (_recentTags[slot] == pageAddress)
        {
            return _recentPages[slot]!;
        }
        if (!_pages.TryGetValue(pageAddress, out var page))
        {
            page = new DecodedInstruction[SlotsPerPage];
            _pages[pageAddress] = page;
        }
        _recentTags[slot] = pageAddress;
        _recentPages[slot] = page;
        return page;
    }

    private void FlushAllCode()
    {
        _pages.Clear();
        Array.Fill(_recentTags, ulong.MaxValue);
        Array.Clear(_recentPages);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Decode(ref DecodedInstruction slot, ulong pc)
    {
        uint bits = Memory.Fetch16(pc);
        if ((bits & 3) == 3)
        {
            bits |= (uint)Memory.Fetch16(pc + 2) << 16;
        }
        Memory.MarkCode(pc);
        slot = DecodedInstruction.From(InstructionDecoder.Decode(bits));
    }

    [SkipLocalsInit]
    private CpuStop Execute(RiscVState s, long limit)
    {
        ref var x = ref MemoryMarshal.GetArrayDataReference(s.X);
        ref var f = ref MemoryMarshal.GetArrayDataReference(s.F);
        var mem = Memory;
        var pc = s.Pc;
        long n = 0;
        var pageBase = ulong.MaxValue;
        var page = Array.Empty<DecodedInstruction>();
        var generation = mem.CodeGeneration;
        try
        {
            while (n < limit)
            {
                var offset = pc - pageBase;
                if (offset >= AddressSpace.PageSize)
                {
                    pageBase = pc & ~(AddressSpace.PageSize - 1);
                    page = PageFor(pageBase);
                    offset = pc - pageBase;
                }
                ref var d = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(page), (nint)(offset >> 1));
                switch ((Opcode)d.Code)
                {
                    case Opcode.Illegal:
                        Decode(ref d, pc);
                        continue;
                    case Opcode.Lui:
                        Unsafe.Add(ref x, d.Rd) = (ulong)d.Imm;
                        pc += d.Length;
                        break;
                    case Opcode.Auipc:
                        Unsafe.Add(ref x, d.Rd) = pc + (ulong)d.Imm;
                        pc += d.Length;
                        break;
                    case Opcode.Jal:
                        Unsafe.Add(ref x, d.Rd) = pc + d.Length;
                        pc += (ulong)d.Imm;
                        break;
                    case Opcode.Jalr:
                        {
                            var target = (Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm) & ~1UL;
                            Unsafe.Add(ref x, d.Rd) = pc + d.Length;
                            pc = target;
                            break;
                        }
                    case Opcode.Beq:
                        pc = Unsafe.Add(ref x, d.Rs1) == Unsafe.Add(ref x, d.Rs2) ? pc + (ulong)d.Imm : pc + d.Length;
                        break;
                    case Opcode.Bne:
                        pc = Unsafe.Add(ref x, d.Rs1) != Unsafe.Add(ref x, d.Rs2) ? pc + (ulong)d.Imm : pc + d.Length;
                        break;
                    case Opcode.Blt:
                        pc = (long)Unsafe.Add(ref x, d.Rs1) < (long)Unsafe.Add(ref x, d.Rs2) ? pc + (ulong)d.Imm : pc + d.Length;
                        break;
                    case Opcode.Bge:
                        pc = (long)Unsafe.Add(ref x, d.Rs1) >= (long)Unsafe.Add(ref x, d.Rs2) ? pc + (ulong)d.Imm : pc + d.Length;
                        break;
                    case Opcode.Bltu:
                        pc = Unsafe.Add(ref x, d.Rs1) < Unsafe.Add(ref x, d.Rs2) ? pc + (ulong)d.Imm : pc + d.Length;
                        break;
                    case Opcode.Bgeu:
                        pc = Unsafe.Add(ref x, d.Rs1) >= Unsafe.Add(ref x, d.Rs2) ? pc + (ulong)d.Imm : pc + d.Length;
                        break;
                    case Opcode.Lb:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(sbyte)mem.Read8(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Lh:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(short)mem.Read16(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Lw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(int)mem.Read32(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Ld:
                        Unsafe.Add(ref x, d.Rd) = mem.Read64(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Lbu:
                        Unsafe.Add(ref x, d.Rd) = mem.Read8(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Lhu:
                        Unsafe.Add(ref x, d.Rd) = mem.Read16(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Lwu:
                        Unsafe.Add(ref x, d.Rd) = mem.Read32(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Sb:
                        mem.Write8(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm, (byte)Unsafe.Add(ref x, d.Rs2));
                        pc += d.Length;
                        if (mem.CodeGeneration != generation)
                        {
                            generation = mem.CodeGeneration;
                            pageBase = ulong.MaxValue;
                        }
                        break;
                    case Opcode.Sh:
                        mem.Write16(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm, (ushort)Unsafe.Add(ref x, d.Rs2));
                        pc += d.Length;
                        if (mem.CodeGeneration != generation)
                        {
                            generation = mem.CodeGeneration;
                            pageBase = ulong.MaxValue;
                        }
                        break;
                    case Opcode.Sw:
                        mem.Write32(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm, (uint)Unsafe.Add(ref x, d.Rs2));
                        pc += d.Length;
                        if (mem.CodeGeneration != generation)
                        {
                            generation = mem.CodeGeneration;
                            pageBase = ulong.MaxValue;
                        }
                        break;
                    case Opcode.Sd:
                        mem.Write64(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm, Unsafe.Add(ref x, d.Rs2));
                        pc += d.Length;
                        if (mem.CodeGeneration != generation)
                        {
                            generation = mem.CodeGeneration;
                            pageBase = ulong.MaxValue;
                        }
                        break;
                    case Opcode.Addi:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm;
                        pc += d.Length;
                        break;
                    case Opcode.Slti:
                        Unsafe.Add(ref x, d.Rd) = (long)Unsafe.Add(ref x, d.Rs1) < d.Imm ? 1UL : 0UL;
                        pc += d.Length;
                        break;
                    case Opcode.Sltiu:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) < (ulong)d.Imm ? 1UL : 0UL;
                        pc += d.Length;
                        break;
                    case Opcode.Xori:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) ^ (ulong)d.Imm;
                        pc += d.Length;
                        break;
                    case Opcode.Ori:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) | (ulong)d.Imm;
                        pc += d.Length;
                        break;
                    case Opcode.Andi:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) & (ulong)d.Imm;
                        pc += d.Length;
                        break;
                    case Opcode.Slli:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) << (int)(d.Imm & 63);
                        pc += d.Length;
                        break;
                    case Opcode.Srli:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) >> (int)(d.Imm & 63);
                        pc += d.Length;
                        break;
                    case Opcode.Srai:
                        Unsafe.Add(ref x, d.Rd) = (ulong)((long)Unsafe.Add(ref x, d.Rs1) >> (int)(d.Imm & 63));
                        pc += d.Length;
                        break;
                    case Opcode.Add:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) + Unsafe.Add(ref x, d.Rs2);
                        pc += d.Length;
                        break;
                    case Opcode.Sub:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) - Unsafe.Add(ref x, d.Rs2);
                        pc += d.Length;
                        break;
                    case Opcode.Sll:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) << (int)(Unsafe.Add(ref x, d.Rs2) & 63);
                        pc += d.Length;
                        break;
                    case Opcode.Slt:
                        Unsafe.Add(ref x, d.Rd) = (long)Unsafe.Add(ref x, d.Rs1) < (long)Unsafe.Add(ref x, d.Rs2) ? 1UL : 0UL;
                        pc += d.Length;
                        break;
                    case Opcode.Sltu:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) < Unsafe.Add(ref x, d.Rs2) ? 1UL : 0UL;
                        pc += d.Length;
                        break;
                    case Opcode.Xor:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) ^ Unsafe.Add(ref x, d.Rs2);
                        pc += d.Length;
                        break;
                    case Opcode.Srl:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) >> (int)(Unsafe.Add(ref x, d.Rs2) & 63);
                        pc += d.Length;
                        break;
                    case Opcode.Sra:
                        Unsafe.Add(ref x, d.Rd) = (ulong)((long)Unsafe.Add(ref x, d.Rs1) >> (int)(Unsafe.Add(ref x, d.Rs2) & 63));
                        pc += d.Length;
                        break;
                    case Opcode.Or:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) | Unsafe.Add(ref x, d.Rs2);
                        pc += d.Length;
                        break;
                    case Opcode.And:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) & Unsafe.Add(ref x, d.Rs2);
                        pc += d.Length;
                        break;
                    case Opcode.Addiw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(int)(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Slliw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(int)((uint)Unsafe.Add(ref x, d.Rs1) << (int)(d.Imm & 31));
                        pc += d.Length;
                        break;
                    case Opcode.Srliw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(int)((uint)Unsafe.Add(ref x, d.Rs1) >> (int)(d.Imm & 31));
                        pc += d.Length;
                        break;
                    case Opcode.Sraiw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)((int)Unsafe.Add(ref x, d.Rs1) >> (int)(d.Imm & 31));
                        pc += d.Length;
                        break;
                    case Opcode.Addw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(int)(Unsafe.Add(ref x, d.Rs1) + Unsafe.Add(ref x, d.Rs2));
                        pc += d.Length;
                        break;
                    case Opcode.Subw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(int)(Unsafe.Add(ref x, d.Rs1) - Unsafe.Add(ref x, d.Rs2));
                        pc += d.Length;
                        break;
                    case Opcode.Sllw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(int)((uint)Unsafe.Add(ref x, d.Rs1) << (int)(Unsafe.Add(ref x, d.Rs2) & 31));
                        pc += d.Length;
                        break;
                    case Opcode.Srlw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)(int)((uint)Unsafe.Add(ref x, d.Rs1) >> (int)(Unsafe.Add(ref x, d.Rs2) & 31));
                        pc += d.Length;
                        break;
                    case Opcode.Sraw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)((int)Unsafe.Add(ref x, d.Rs1) >> (int)(Unsafe.Add(ref x, d.Rs2) & 31));
                        pc += d.Length;
                        break;
                    case Opcode.Mul:
                        Unsafe.Add(ref x, d.Rd) = Unsafe.Add(ref x, d.Rs1) * Unsafe.Add(ref x, d.Rs2);
                        pc += d.Length;
                        break;
                    case Opcode.Mulw:
                        Unsafe.Add(ref x, d.Rd) = (ulong)((int)Unsafe.Add(ref x, d.Rs1) * (int)Unsafe.Add(ref x, d.Rs2));
                        pc += d.Length;
                        break;
                    case Opcode.Fld:
                        Unsafe.Add(ref f, d.Rd) = mem.Read64(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm);
                        pc += d.Length;
                        break;
                    case Opcode.Fsd:
                        mem.Write64(Unsafe.Add(ref x, d.Rs1) + (ulong)d.Imm, Unsafe.Add(ref f, d.Rs2));
                        pc += d.Length;
                        if (mem.CodeGeneration != generation)
                        {
                            generation = mem.CodeGeneration;
                            pageBase = ulong.MaxValue;
                        }
                        break;
                    case Opcode.FaddD:
                    case Opcode.FsubD:
                    case Opcode.FmulD:
                    case Opcode.FdivD:
                    case Opcode.FmaddD:
                    case Opcode.FmsubD:
                    case Opcode.FnmsubD:
                    case Opcode.FnmaddD:
                        {
                            // The common double-precision arithmetic, without the detour through ExecuteOther.
                            var rm = d.Rm == (byte)RoundingMode.Dynamic ? (int)s.Frm : d.Rm;
                            if (rm > RiscVFloat.Rmm)
                            {
                                goto default;
                            }
                            var flags = s.Fflags;
                            var a = Unsafe.Add(ref f, d.Rs1);
                            var b = Unsafe.Add(ref f, d.Rs2);
                            Unsafe.Add(ref f, d.Rd) = (Opcode)d.Code switch
                            {
                                Opcode.FaddD => RiscVFloat.Add64(a, b, rm, ref flags),
                                Opcode.FsubD => RiscVFloat.Add64(a, b ^ 0x8000_0000_0000_0000, rm, ref flags),
                                Opcode.FmulD => RiscVFloat.Mul64(a, b, rm, ref flags),
                                Opcode.FdivD => RiscVFloat.Div64(a, b, rm, ref flags),
                                Opcode.FmaddD => RiscVFloat.Fma64(a, b, Unsafe.Add(ref f, d.Rs3), false, false, rm, ref flags),
                                Opcode.FmsubD => RiscVFloat.Fma64(a, b, Unsafe.Add(ref f, d.Rs3), false, true, rm, ref flags),
                                Opcode.FnmsubD => RiscVFloat.Fma64(a, b, Unsafe.Add(ref f, d.Rs3), true, false, rm, ref flags),
                                _ => RiscVFloat.Fma64(a, b, Unsafe.Add(ref f, d.Rs3), true, true, rm, ref flags),
                            };
                            s.Fflags = flags;
                            pc += d.Length;
                            break;
                        }
                    case Opcode.Fence:
                    case Opcode.FenceTso:
                        pc += d.Length;
                        break;
                    case Opcode.Ecall:
                        n++;
                        s.Pc = pc + d.Length;
                        return new CpuStop(StopReason.SystemCall, n);
                    default:
                        s.Pc = pc;
                        var status = ExecuteOther(s, ref d, ref pc, n);
                        if (status.Reason != StopReason.InstructionLimit)
                        {
                            s.Pc = pc;
                            return status with { Retired = n + (status.Reason == StopReason.SystemCall ? 1 : 0) };
                        }
                        if (d.Code == (ushort)Opcode.FenceI || mem.CodeGeneration != generation)
                        {
                            generation = mem.CodeGeneration;
                            pageBase = ulong.MaxValue;
                        }
                        break;
                }
                n++;
            }
        }
        catch (GuestFaultException e)
        {
            s.Pc = pc;
            return new CpuStop(StopReason.MemoryFault, n, e.Address, Access: e.Access);
        }
        s.Pc = pc;
        return new CpuStop(StopReason.InstructionLimit, n);
    }

    /// <summary>
    /// The instructions off the hot path: multiply-high, division, atomics, CSRs, floating point, system. Advances
    /// <paramref name="pc"/> and returns <see cref="StopReason.InstructionLimit"/> to continue, or the stop.
    /// </summary>
    private CpuStop ExecuteOther(RiscVState s, ref DecodedInstruction d, ref ulong pc, long retired)
    {
        var xs = s.X;
        var fs = s.F;
        var mem = Memory;
        var a = xs[d.Rs1];
        var b = xs[d.Rs2];
        ref var rd = ref xs[d.Rd];
        var flags = s.Fflags;
        int rm = 0;
        var op = (Opcode)d.Code;
        if (UsesRoundingMode(op))
        {
            rm = d.Rm == (byte)RoundingMode.Dynamic ? (int)s.Frm : d.Rm;
            if (rm > 4)
            {
                return Illegal(pc, $"rounding mode {rm} is reserved");
            }
        }
        switch (op)
        {
            case (Opcode)DecodedInstruction.Undefined:
                return Illegal(pc, null);
            case Opcode.Mulh:
                rd = (ulong)Math.BigMul((long)a, (long)b, out _);
                break;
            case Opcode.Mulhu:
                rd = Math.BigMul(a, b, out _);
                break;
            case Opcode.Mulhsu:
                rd = Math.BigMul(a, b, out _) - ((long)a < 0 ? b : 0);
                break;
            case Opcode.Div:
                rd = b == 0 ? ulong.MaxValue : (long)a == long.MinValue && (long)b == -1 ? a : (ulong)((long)a / (long)b);
                break;
            case Opcode.Divu:
                rd = b == 0 ? ulong.MaxValue : a / b;
                break;
            case Opcode.Rem:
                rd = b == 0 ? a : (long)a == long.MinValue && (long)b == -1 ? 0 : (ulong)((long)a % (long)b);
                break;
            case Opcode.Remu:
                rd = b == 0 ? a : a % b;
                break;
            case Opcode.Divw:
                {
                    int x = (int)a, y = (int)b;
                    rd = (ulong)(long)(y == 0 ? -1 : x == int.MinValue && y == -1 ? x : x / y);
                    break;
                }
            case Opcode.Divuw:
                {
                    uint x = (uint)a, y = (uint)b;
                    rd = (ulong)(int)(y == 0 ? uint.MaxValue : x / y);
                    break;
                }
            case Opcode.Remw:
                {
                    int x = (int)a, y = (int)b;
                    rd = (ulong)(long)(y == 0 ? x : x == int.MinValue && y == -1 ? 0 : x % y);
                    break;
                }
            case Opcode.Remuw:
                {
                    uint x = (uint)a, y = (uint)b;
                    rd = (ulong)(int)(y == 0 ? x : x % y);
                    break;
                }
            case Opcode.Ebreak:
                return new CpuStop(StopReason.Breakpoint, 0, Word: d.Length == 2 ? 0x9002u : 0x00100073u);
            case Opcode.FenceI:
                FlushAllCode();
                break;
            case Opcode.Csrrw:
            case Opcode.Csrrs:
            case Opcode.Csrrc:
            case Opcode.Csrrwi:
            case Opcode.Csrrsi:
            case Opcode.Csrrci:
                {
                    var csr = (int)(d.Imm & 0xFFF);
                    var immediate = op is Opcode.Csrrwi or Opcode.Csrrsi or Opcode.Csrrci;
                    var source = immediate ? (ulong)((d.Imm >> 16) & 0x1F) : a;
                    var writes = op is Opcode.Csrrw or Opcode.Csrrwi || (immediate ? source != 0 : d.Rs1 != 0);
                    if (!TryReadCsr(s, csr, retired, out var old))
                    {
                        return Illegal(pc, $"CSR 0x{csr:x3} is not accessible in user mode");
                    }
                    if (writes)
                    {
                        var value = op switch
                        {
                            Opcode.Csrrw or Opcode.Csrrwi => source,
                            Opcode.Csrrs or Opcode.Csrrsi => old | source,
                            _ => old & ~source,
                        };
                        if (!TryWriteCsr(s, csr, value))
                        {
                            return Illegal(pc, $"CSR 0x{csr:x3} is read-only");
                        }
                    }
                    rd = old;
                    break;
                }
            case Opcode.LrW:
            case Opcode.LrD:
                {
                    var size = op == Opcode.LrW ? 4UL : 8UL;
                    if ((a & (size - 1)) != 0)
                    {
                        return new CpuStop(StopReason.MisalignedAccess, 0, a);
                    }
                    rd = size == 4 ? (ulong)(int)mem.Read32(a) : mem.Read64(a);
                    s.ReservationAddress = a;
                    s.ReservationValid = true;
                    break;
                }
            case Opcode.ScW:
            case Opcode.ScD:
                {
                    var size = op == Opcode.ScW ? 4UL : 8UL;
                    if ((a & (size - 1)) != 0)
                    {
                        return new CpuStop(StopReason.MisalignedAccess, 0, a);
                    }
                    if (s.ReservationValid && s.ReservationAddress == a)
                    {
                        if (size == 4)
                        {
                            mem.Write32(a, (uint)b);
                        }
                        else
                        {
                            mem.Write64(a, b);
                        }
                        rd = 0;
                    }
                    else
                    {
                        rd = 1;
                    }
                    s.ReservationValid = false;
                    break;
                }
            case >= Opcode.AmoswapW and <= Opcode.AmomaxuW:
                {
                    if ((a & 3) != 0)
                    {
                        return new CpuStop(StopReason.MisalignedAccess, 0, a);
                    }
                    var old = (int)mem.Read32(a);
                    var v = (int)b;
                    var result = op switch
                    {
                        Opcode.AmoswapW => v,
                        Opcode.AmoaddW => old + v,
                        Opcode.AmoxorW => old ^ v,
                        Opcode.AmoandW => old & v,
                        Opcode.AmoorW => old | v,
                        Opcode.AmominW => Math.Min(old, v),
                        Opcode.AmomaxW => Math.Max(old, v),
                        Opcode.AmominuW => (int)Math.Min((uint)old, (uint)v),
                        _ => (int)Math.Max((uint)old, (uint)v),
                    };
                    mem.Write32(a, (uint)result);
                    rd = (ulong)(long)old;
                    break;
                }
            case >= Opcode.AmoswapD and <= Opcode.AmomaxuD:
                {
                    if ((a & 7) != 0)
                    {
                        return new CpuStop(StopReason.MisalignedAccess, 0, a);
                    }
                    var old = mem.Read64(a);
                    var result = op switch
                    {
                        Opcode.AmoswapD => b,
                        Opcode.AmoaddD => old + b,
                        Opcode.AmoxorD => old ^ b,
                        Opcode.AmoandD => old & b,
                        Opcode.AmoorD => old | b,
                        Opcode.AmominD => (ulong)Math.Min((long)old, (long)b),
                        Opcode.AmomaxD => (ulong)Math.Max((long)old, (long)b),
                        Opcode.AmominuD => Math.Min(old, b),
                        _ => Math.Max(old, b),
                    };
                    mem.Write64(a, result);
                    rd = old;
                    break;
                }
            case Opcode.Flw:
                fs[d.Rd] = RiscVFloat.Box(mem.Read32(a + (ulong)d.Imm));
                break;
            case Opcode.Fld:
                fs[d.Rd] = mem.Read64(a + (ulong)d.Imm);
                break;
            case Opcode.Fsw:
                mem.Write32(a + (ulong)d.Imm, (uint)fs[d.Rs2]);
                break;
            case Opcode.Fsd:
                mem.Write64(a + (ulong)d.Imm, fs[d.Rs2]);
                break;
            case Opcode.Sret:
            case Opcode.Mret:
            case Opcode.Wfi:
            case Opcode.SfenceVma:
                return Illegal(pc, "privileged instruction in user mode");
            default:
                if (!RiscVFloatExecutor.Execute(s, in d, op, rm, ref flags))
                {
                    return Illegal(pc, "not implemented");
                }
                s.Fflags = flags;
                break;
        }
        pc += d.Length;
        return default;
    }

    private CpuStop Illegal(ulong pc, string? detail)
    {
        uint word = Memory.Fetch16(pc);
        if ((word & 3) == 3)
        {
            word |= (uint)Memory.Fetch16(pc + 2) << 16;
        }
        return new CpuStop(StopReason.IllegalInstruction, 0, Word: word, Detail: detail);
    }

    private static bool UsesRoundingMode(Opcode op) => op switch
    {
        >= Opcode.FmaddS and <= Opcode.FsqrtS => true,
        Opcode.FcvtWS or Opcode.FcvtWuS or Opcode.FcvtSW or Opcode.FcvtSWu or Opcode.FcvtLS or Opcode.FcvtLuS or Opcode.FcvtSL or Opcode.FcvtSLu => true,
        >= Opcode.FmaddD and <= Opcode.FsqrtD => true,
        Opcode.FcvtSD or Opcode.FcvtWD or Opcode.FcvtWuD or Opcode.FcvtLD or Opcode.FcvtLuD or Opcode.FcvtDL or Opcode.FcvtDLu => true,
        _ => false,
    };

    private static bool TryReadCsr(RiscVState s, int csr, long retired, out ulong value)
    {
        switch (csr)
        {
            case 0x001:
                value = s.Fflags;
                return true;
            case 0x002:
                value = s.Frm;
                return true;
            case 0x003:
                value = (s.Frm << 5) | s.Fflags;
                return true;
            case 0xC00:
            case 0xC02:
                value = (ulong)(s.InstructionsRetired + retired);
                return true;
            case 0xC01:
                // A 10 MHz time base, as Linux on common RISC-V boards reports it.
                value = (ulong)(Stopwatch.GetTimestamp() * (10_000_000.0 / Stopwatch.Frequency));
                return true;
            default:
                value = 0;
                return false;
        }
    }

    private static bool TryWriteCsr(RiscVState s, int csr, ulong value)
    {
        switch (csr)
        {
            case 0x001:
                s.Fflags = (uint)value & 0x1F;
                return true;
            case 0x002:
                s.Frm = (uint)value & 7;
                return true;
            case 0x003:
                s.Fflags = (uint)value & 0x1F;
                s.Frm = (uint)(value >> 5) & 7;
                return true;
            default:
                return false;
        }
    }
}
