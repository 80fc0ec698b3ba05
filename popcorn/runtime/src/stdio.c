/* Buffered streams over file descriptors and the printf family. */
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct __pc_file {
    int fd;
    int mode;       /* _IOFBF, _IOLBF or _IONBF */
    int readable, writable;
    int eof, error;
    int pushback;   /* ungetc character or EOF */
    volatile int lock;
    char *buffer;
    size_t capacity;
    size_t length;  /* bytes pending output, or bytes buffered for input */
    size_t position; /* read position in an input buffer */
    int owns_buffer;
    struct __pc_file *next;
    int reading;    /* the buffer holds input read ahead, not pending output (a stream open for update has either) */
};

static char stdout_buffer[BUFSIZ], stdin_buffer[BUFSIZ];
static struct __pc_file stdin_file = {0, _IOFBF, 1, 0, 0, 0, EOF, 0, stdin_buffer, BUFSIZ, 0, 0, 0, 0};
/* stdout's mode is decided at its first output, as glibc does: line-buffered on a terminal, fully buffered otherwise. */
#define MODE_UNDECIDED (-1)
static struct __pc_file stdout_file = {1, MODE_UNDECIDED, 0, 1, 0, 0, EOF, 0, stdout_buffer, BUFSIZ, 0, 0, 0, &stdin_file};
static struct __pc_file stderr_file = {2, _IONBF, 0, 1, 0, 0, EOF, 0, 0, 0, 0, 0, 0, &stdout_file};
FILE *stdin = &stdin_file;
FILE *stdout = &stdout_file;
FILE *stderr = &stderr_file;
static struct __pc_file *open_files = &stderr_file;
static volatile int open_files_lock;

static int write_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(fd, data, length);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += written;
        length -= (size_t)written;
    }
    return 0;
}

/* Writes pending output; of input read ahead, gives the descriptor back the bytes not consumed, so that its offset is
   the stream's position again (where it can seek: a pipe keeps its buffered input). */
static int flush_locked(FILE *stream)
{
    if (stream->reading) {
        off_t unread = (off_t)(stream->length - stream->position) + (stream->pushback != EOF);
        if (lseek(stream->fd, -unread, SEEK_CUR) >= 0) {
            stream->length = stream->position = 0;
            stream->pushback = EOF;
            stream->reading = 0;
        }
        return 0;
    }
    if (stream->writable && stream->length > 0) {
        int result = write_all(stream->fd, stream->buffer, stream->length);
        stream->length = 0;
        if (result < 0) {
            stream->error = 1;
            return EOF;
        }
    }
    return 0;
}

/* Readies a stream for output: the first write decides its buffering, and a stream that was reading gives back its
   read-ahead, so the output goes where the reading stopped. This and write_started are not inlined into
   write_locked: at -O1 the backend computed a value of the buffered path before these calls and kept it across them
   outside the stack maps, which made every such frame impossible to migrate. */
static __attribute__((noinline)) int start_writing(FILE *stream)
{
    if (stream->mode == MODE_UNDECIDED)
        stream->mode = isatty(stream->fd) ? _IOLBF : _IOFBF;
    if (!stream->writable) {
        stream->error = 1;
        return 0;
    }
    if (stream->reading) {
        flush_locked(stream);
        stream->length = stream->position = 0;
        stream->pushback = EOF;
        stream->reading = 0;
    }
    return 1;
}

/* Writes to a stream readied by start_writing: through its buffer, or at once when it has none. */
static __attribute__((noinline)) size_t write_started(FILE *stream, const char *data, size_t length)
{
    if (stream->mode == _IONBF || stream->capacity == 0) {
        if (write_all(stream->fd, data, length) < 0) {
            stream->error = 1;
            return 0;
        }
        return length;
    }
    size_t done = 0;
    while (done < length) {
        size_t room = stream->capacity - stream->length;
        size_t n = length - done < room ? length - done : room;
        memcpy(stream->buffer + stream->length, data + done, n);
        stream->length += n;
        done += n;
        if (stream->length == stream->capacity && flush_locked(stream) == EOF)
            return done;
    }
    if (stream->mode == _IOLBF && memchr(data, '\n', length) && flush_locked(stream) == EOF)
        return 0;
    return length;
}

static size_t write_locked(FILE *stream, const char *data, size_t length)
{
    return start_writing(stream) ? write_started(stream, data, length) : 0;
}

size_t fwrite(const void *buffer, size_t size, size_t count, FILE *stream)
{
    size_t total = size * count;
    if (total == 0)
        return 0;
    __pc_lock(&stream->lock);
    size_t written = write_locked(stream, buffer, total);
    __pc_unlock(&stream->lock);
    return written / size;
}

int fflush(FILE *stream)
{
    if (!stream) {
        __pc_stdio_flush_all();
        return 0;
    }
    __pc_lock(&stream->lock);
    int result = flush_locked(stream);
    __pc_unlock(&stream->lock);
    return result;
}

void __pc_stdio_flush_all(void)
{
    __pc_lock(&open_files_lock);
    for (FILE *f = open_files; f; f = f->next)
        fflush(f);
    __pc_unlock(&open_files_lock);
}

static int fill_locked(FILE *stream)
{
    if (stream == stdin)
        fflush(stdout);
    ssize_t n;
    do
        n = read(stream->fd, stream->buffer, stream->capacity);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n < 0)
            stream->error = 1;
        else
            stream->eof = 1;
        return EOF;
    }
    stream->length = (size_t)n;
    stream->position = 0;
    return 0;
}

static int getc_locked(FILE *stream)
{
    if (stream->pushback != EOF) {
        int c = stream->pushback;
        stream->pushback = EOF;
        return c;
    }
    if (!stream->readable) {
        stream->error = 1;
        return EOF;
    }
    if (!stream->reading) { /* from writing to reading: what was written goes out first */
        if (flush_locked(stream) == EOF)
            return EOF;
        stream->length = stream->position = 0;
        stream->reading = 1;
    }
    if (stream->position >= stream->length && fill_locked(stream) == EOF)
        return EOF;
    return (unsigned char)stream->buffer[stream->position++];
}

int fgetc(FILE *stream)
{
    __pc_lock(&stream->lock);
    int c = getc_locked(stream);
    __pc_unlock(&stream->lock);
    return c;
}

int getc(FILE *stream)
{
    return fgetc(stream);
}

int getchar(void)
{
    return fgetc(stdin);
}

int ungetc(int c, FILE *stream)
{
    if (c == EOF)
        return EOF;
    stream->pushback = (unsigned char)c;
    stream->eof = 0;
    return (unsigned char)c;
}

char *fgets(char *buffer, int size, FILE *stream)
{
    if (size <= 0)
        return 0;
    __pc_lock(&stream->lock);
    int n = 0;
    while (n < size - 1) {
        int c = getc_locked(stream);
        if (c == EOF)
            break;
        buffer[n++] = (char)c;
        if (c == '\n')
            break;
    }
    __pc_unlock(&stream->lock);
    if (n == 0)
        return 0;
    buffer[n] = '\0';
    return buffer;
}

/* POSIX getdelim: reads through the delimiter into *line, growing it with realloc; -1 at end of file with nothing
   read, on an error (errno set) or for invalid arguments (EINVAL). */
ssize_t getdelim(char **line, size_t *capacity, int delimiter, FILE *stream)
{
    if (!line || !capacity || !stream) {
        errno = EINVAL;
        return -1;
    }
    __pc_lock(&stream->lock);
    size_t n = 0;
    ssize_t result = -1;
    for (;;) {
        if (n + 2 > *capacity || !*line) {
            size_t grown = *capacity < 120 ? 120 : *capacity * 2;
            char *bigger = realloc(*line, grown);
            if (!bigger) {
                stream->error = 1;
                errno = ENOMEM;
                break;
            }
            *line = bigger;
            *capacity = grown;
        }
        int c = getc_locked(stream);
        if (c == EOF) {
            if (n > 0 && !stream->error)
                result = (ssize_t)n;
            break;
        }
        (*line)[n++] = (char)c;
        if (c == delimiter) {
            result = (ssize_t)n;
            break;
        }
    }
    if (*line)
        (*line)[n] = '\0';
    __pc_unlock(&stream->lock);
    return result;
}

ssize_t getline(char **line, size_t *capacity, FILE *stream)
{
    return getdelim(line, capacity, '\n', stream);
}

size_t fread(void *buffer, size_t size, size_t count, FILE *stream)
{
    size_t total = size * count, done = 0;
    if (total == 0)
        return 0;
    unsigned char *out = buffer;
    __pc_lock(&stream->lock);
    while (done < total) {
        int c = getc_locked(stream);
        if (c == EOF)
            break;
        out[done++] = (unsigned char)c;
        size_t available = stream->length - stream->position;
        size_t n = total - done < available ? total - done : available;
        memcpy(out + done, stream->buffer + stream->position, n);
        stream->position += n;
        done += n;
    }
    __pc_unlock(&stream->lock);
    return done / size;
}

int fputc(int c, FILE *stream)
{
    char ch = (char)c;
    return fwrite(&ch, 1, 1, stream) == 1 ? (unsigned char)c : EOF;
}

int putc(int c, FILE *stream)
{
    return fputc(c, stream);
}

int putchar(int c)
{
    return fputc(c, stdout);
}

int fputs(const char *text, FILE *stream)
{
    size_t length = strlen(text);
    return fwrite(text, 1, length, stream) == length ? 0 : EOF;
}

int puts(const char *text)
{
    __pc_lock(&stdout->lock);
    size_t length = strlen(text);
    int ok = write_locked(stdout, text, length) == length && write_locked(stdout, "\n", 1) == 1;
    __pc_unlock(&stdout->lock);
    return ok ? 0 : EOF;
}

/* open(2) flags for an fopen mode ("r", "w", "a", each with "+", "b" ignored, "x" for O_EXCL); -1 if invalid. */
static int mode_flags(const char *mode)
{
    int plus = strchr(mode, '+') != 0, flags;
    switch (mode[0]) {
    case 'r':
        flags = plus ? O_RDWR : O_RDONLY;
        break;
    case 'w':
        flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
        break;
    case 'a':
        flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    return strchr(mode, 'x') ? flags | O_EXCL : flags;
}

FILE *fdopen(int fd, const char *mode)
{
    if (mode_flags(mode) < 0)
        return 0;
    FILE *stream = calloc(1, sizeof *stream + BUFSIZ);
    if (!stream) {
        errno = ENOMEM;
        return 0;
    }
    int plus = strchr(mode, '+') != 0;
    stream->fd = fd;
    stream->mode = _IOFBF;
    stream->readable = mode[0] == 'r' || plus;
    stream->writable = mode[0] != 'r' || plus;
    stream->pushback = EOF;
    stream->buffer = (char *)(stream + 1);
    stream->capacity = BUFSIZ;
    __pc_lock(&open_files_lock);
    stream->next = open_files;
    open_files = stream;
    __pc_unlock(&open_files_lock);
    return stream;
}

FILE *fopen(const char *path, const char *mode)
{
    int flags = mode_flags(mode);
    if (flags < 0)
        return 0;
    int fd = open(path, flags, 0666);
    if (fd < 0)
        return 0;
    FILE *stream = fdopen(fd, mode);
    if (!stream)
        close(fd);
    return stream;
}

int fclose(FILE *stream)
{
    int result = fflush(stream);
    if (close(stream->fd) < 0)
        result = EOF;
    __pc_lock(&open_files_lock);
    for (FILE **link = &open_files; *link; link = &(*link)->next) {
        if (*link == stream) {
            *link = stream->next;
            break;
        }
    }
    __pc_unlock(&open_files_lock);
    if (stream != stdin && stream != stdout && stream != stderr)
        free(stream);
    return result;
}

int fseek(FILE *stream, long offset, int whence)
{
    __pc_lock(&stream->lock);
    flush_locked(stream); /* the descriptor's offset is the stream's position now, where it can seek at all */
    stream->reading = 0;
    stream->length = stream->position = 0;
    stream->pushback = EOF;
    stream->eof = 0;
    long result = lseek(stream->fd, offset, whence);
    __pc_unlock(&stream->lock);
    return result < 0 ? -1 : 0;
}

long ftell(FILE *stream)
{
    __pc_lock(&stream->lock);
    long position = lseek(stream->fd, 0, SEEK_CUR);
    if (position >= 0) {
        if (stream->reading)
            position -= (long)(stream->length - stream->position);
        else
            position += (long)stream->length;
        position -= stream->pushback != EOF;
    }
    __pc_unlock(&stream->lock);
    return position;
}

void rewind(FILE *stream)
{
    fseek(stream, 0, SEEK_SET);
    stream->error = 0;
}

int feof(FILE *stream)
{
    return stream->eof;
}

int ferror(FILE *stream)
{
    return stream->error;
}

void clearerr(FILE *stream)
{
    stream->eof = stream->error = 0;
}

int fileno(FILE *stream)
{
    return stream->fd;
}

int setvbuf(FILE *stream, char *buffer, int mode, size_t size)
{
    fflush(stream);
    stream->mode = mode;
    if (buffer && size > 0) {
        stream->buffer = buffer;
        stream->capacity = size;
    }
    return 0;
}

int remove(const char *path)
{
    return unlink(path);
}

int rename(const char *from, const char *to)
{
    return (int)__pc_syscall_result(__pc_syscall6(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0, 0));
}

/* A file of its own in /tmp, removed at once so that nothing is left behind when the stream is closed. */
FILE *tmpfile(void)
{
    char path[] = "/tmp/tmpfXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    unlink(path);
    FILE *stream = fdopen(fd, "w+");
    if (!stream)
        close(fd);
    return stream;
}

void perror(const char *prefix)
{
    if (prefix && *prefix)
        fprintf(stderr, "%s: %s\n", prefix, strerror(errno));
    else
        fprintf(stderr, "%s\n", strerror(errno));
}

/* printf family */

struct stream_sink {
    struct __pc_sink base;
    FILE *stream;
};

static void put_stream(struct __pc_sink *sink, const char *text, size_t length)
{
    write_locked(((struct stream_sink *)sink)->stream, text, length);
}

int vfprintf(FILE *stream, const char *format, va_list args)
{
    struct stream_sink sink = {{put_stream, 0}, stream};
    __pc_lock(&stream->lock);
    int n = __pc_format(&sink.base, format, args);
    __pc_unlock(&stream->lock);
    return n;
}

int fprintf(FILE *stream, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vfprintf(stream, format, args);
    va_end(args);
    return n;
}

int vprintf(const char *format, va_list args)
{
    return vfprintf(stdout, format, args);
}

int printf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vfprintf(stdout, format, args);
    va_end(args);
    return n;
}

struct buffer_sink {
    struct __pc_sink base;
    char *buffer;
    size_t size;
};

static void put_buffer(struct __pc_sink *sink, const char *text, size_t length)
{
    struct buffer_sink *b = (struct buffer_sink *)sink;
    size_t at = sink->count;
    if (b->size == 0 || at >= b->size - 1)
        return;
    size_t room = b->size - 1 - at;
    memcpy(b->buffer + at, text, length < room ? length : room);
}

int vsnprintf(char *buffer, size_t size, const char *format, va_list args)
{
    struct buffer_sink sink = {{put_buffer, 0}, buffer, size};
    int n = __pc_format(&sink.base, format, args);
    if (size > 0)
        buffer[(size_t)n < size ? (size_t)n : size - 1] = '\0';
    return n;
}

int snprintf(char *buffer, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(buffer, size, format, args);
    va_end(args);
    return n;
}

int vsprintf(char *buffer, const char *format, va_list args)
{
    return vsnprintf(buffer, (size_t)-1 / 2, format, args);
}

int sprintf(char *buffer, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsprintf(buffer, format, args);
    va_end(args);
    return n;
}

struct fd_sink {
    struct __pc_sink base;
    int fd;
};

static void put_fd(struct __pc_sink *sink, const char *text, size_t length)
{
    write_all(((struct fd_sink *)sink)->fd, text, length);
}

int vdprintf(int fd, const char *format, va_list args)
{
    struct fd_sink sink = {{put_fd, 0}, fd};
    return __pc_format(&sink.base, format, args);
}

int dprintf(int fd, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vdprintf(fd, format, args);
    va_end(args);
    return n;
}

/* scanf family on streams */

struct stream_source {
    struct __pc_source base;
    FILE *stream;
};

static int get_stream(struct __pc_source *source)
{
    return getc_locked(((struct stream_source *)source)->stream);
}

static void unget_stream(struct __pc_source *source, int c)
{
    ungetc(c, ((struct stream_source *)source)->stream);
}

int vfscanf(FILE *stream, const char *format, va_list args)
{
    struct stream_source source = {{get_stream, unget_stream}, stream};
    __pc_lock(&stream->lock);
    int n = __pc_scan(&source.base, format, args);
    __pc_unlock(&stream->lock);
    return n;
}

int fscanf(FILE *stream, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vfscanf(stream, format, args);
    va_end(args);
    return n;
}

int vscanf(const char *format, va_list args)
{
    return vfscanf(stdin, format, args);
}

int scanf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vfscanf(stdin, format, args);
    va_end(args);
    return n;
}
