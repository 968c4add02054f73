/*
 * ipvs-batch-ref: the C reference for loading and reading IPVS tables over raw
 * generic netlink, i.e. the kernel's practical limit that the C# client is
 * measured against (tests/Ipvs.Benchmarks/scripts/lab-bench).
 *
 *   ipvs-batch-ref load N D          N services x D real servers, packed into
 *                                    large sends, ACK requested on the last
 *                                    request of each send only
 *   ipvs-batch-ref per-ack N D       the same requests, one request per ACK
 *   ipvs-batch-ref dump [N D]        one GET_SERVICE dump, then one GET_DEST
 *                                    dump per service; with N D, fail unless
 *                                    exactly that table came back
 *   ipvs-batch-ref gen-restore N D   the same table as `ipvsadm -R` input
 *
 * The table (N <= 1000000, D <= 60000): service i (0-based) is TCP
 * 10.1.0.1 + i, port 80, scheduler rr; its real server j (0-based) is
 * 10.200.0.1 + j, port 8080, masquerade, weight 1 (all services share the
 * same D real server addresses, as services backed by one pool do).
 *
 * A run prints one line:
 *   bench impl=c mode=MODE services=N servers=D seconds=S entries=E
 * where seconds covers socket setup, family resolution and all requests and
 * replies (not process start), and entries is the number of services plus
 * real servers added (load, per-ack) or read back (dump).
 * Any NLMSG_ERROR carrying an error prints the failing request and exits 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#define MAX_SERVICES 1000000L
#define MAX_SERVERS 60000L
#define SERVICE_BASE 0x0a010001u /* 10.1.0.1 */
#define SERVER_BASE 0x0ac80001u  /* 10.200.0.1 */
#define SERVICE_PORT 80
#define SERVER_PORT 8080

/* 256 KiB sends: LAB.md measured 64 KiB to 1 MiB all at the optimum, 4 KiB 2x slower. */
#define SEND_BATCH (256 * 1024)
/* One receive size throughout, >= 32 KiB: the kernel sizes dump replies from the largest one used. */
#define RECV_SIZE (64 * 1024)
#define SOCKET_BUFFER (4 * 1024 * 1024)
/* Room for the largest request we build (NEW_DEST with both nests). */
#define MAX_REQUEST 256

struct request_buffer {
    unsigned char *data;
    size_t used;
    size_t capacity;
};

struct service_key {
    uint16_t af;
    uint16_t protocol;
    unsigned char addr[16];
    uint16_t addr_len;
    uint16_t port_be;
    uint32_t fwmark;
    int has_fwmark;
};

static int sock = -1;
static uint16_t ipvs_family;
static uint32_t next_seq = 1;
static unsigned char recv_buffer[RECV_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

static void die(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("ipvs-batch-ref: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Messages are built in place:
 *
 *   +----------+-----------+----------------------------------------+
 *   | nlmsghdr | genlmsghdr| attributes (nlattr + value, 4-aligned) |
 *   +----------+-----------+----------------------------------------+
 *
 * Lengths of the message and of nests are filled in when they close.
 */
static struct nlmsghdr *begin_message(struct request_buffer *buffer, uint16_t type, uint16_t flags, uint8_t cmd)
{
    struct nlmsghdr *header = (struct nlmsghdr *)(buffer->data + buffer->used);
    memset(header, 0, NLMSG_HDRLEN + GENL_HDRLEN);
    header->nlmsg_type = type;
    header->nlmsg_flags = NLM_F_REQUEST | flags;
    header->nlmsg_seq = next_seq++;
    struct genlmsghdr *genl = (struct genlmsghdr *)((unsigned char *)header + NLMSG_HDRLEN);
    genl->cmd = cmd;
    genl->version = IPVS_GENL_VERSION;
    buffer->used += NLMSG_HDRLEN + GENL_HDRLEN;
    return header;
}

static void end_message(struct request_buffer *buffer, struct nlmsghdr *header)
{
    header->nlmsg_len = (uint32_t)(buffer->data + buffer->used - (unsigned char *)header);
}

static void put_attr(struct request_buffer *buffer, uint16_t type, const void *value, size_t length)
{
    struct nlattr *attr = (struct nlattr *)(buffer->data + buffer->used);
    attr->nla_type = type;
    attr->nla_len = (uint16_t)(NLA_HDRLEN + length);
    memcpy((unsigned char *)attr + NLA_HDRLEN, value, length);
    size_t aligned = NLA_ALIGN(NLA_HDRLEN + length);
    memset((unsigned char *)attr + NLA_HDRLEN + length, 0, aligned - NLA_HDRLEN - length);
    buffer->used += aligned;
}

static void put_u16(struct request_buffer *buffer, uint16_t type, uint16_t value) { put_attr(buffer, type, &value, sizeof value); }
static void put_u32(struct request_buffer *buffer, uint16_t type, uint32_t value) { put_attr(buffer, type, &value, sizeof value); }

static struct nlattr *begin_nest(struct request_buffer *buffer, uint16_t type)
{
    struct nlattr *attr = (struct nlattr *)(buffer->data + buffer->used);
    attr->nla_type = type | NLA_F_NESTED;
    buffer->used += NLA_HDRLEN;
    return attr;
}

static void end_nest(struct request_buffer *buffer, struct nlattr *attr)
{
    attr->nla_len = (uint16_t)(buffer->data + buffer->used - (unsigned char *)attr);
}

static void put_service_key(struct request_buffer *buffer, uint32_t address)
{
    uint32_t address_be = htonl(address);
    put_u16(buffer, IPVS_SVC_ATTR_AF, AF_INET);
    put_u16(buffer, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
    put_attr(buffer, IPVS_SVC_ATTR_ADDR, &address_be, sizeof address_be);
    put_u16(buffer, IPVS_SVC_ATTR_PORT, htons(SERVICE_PORT));
}

static void add_new_service(struct request_buffer *buffer, long service, uint16_t flags)
{
    struct nlmsghdr *header = begin_message(buffer, ipvs_family, flags, IPVS_CMD_NEW_SERVICE);
    struct nlattr *nest = begin_nest(buffer, IPVS_CMD_ATTR_SERVICE);
    put_service_key(buffer, SERVICE_BASE + (uint32_t)service);
    put_attr(buffer, IPVS_SVC_ATTR_SCHED_NAME, "rr", sizeof "rr");
    struct ip_vs_flags service_flags = { .flags = 0, .mask = ~0u };
    put_attr(buffer, IPVS_SVC_ATTR_FLAGS, &service_flags, sizeof service_flags);
    put_u32(buffer, IPVS_SVC_ATTR_TIMEOUT, 0);
    put_u32(buffer, IPVS_SVC_ATTR_NETMASK, htonl(0xffffffffu));
    end_nest(buffer, nest);
    end_message(buffer, header);
}

static void add_new_dest(struct request_buffer *buffer, long service, long server, uint16_t flags)
{
    struct nlmsghdr *header = begin_message(buffer, ipvs_family, flags, IPVS_CMD_NEW_DEST);
    struct nlattr *nest = begin_nest(buffer, IPVS_CMD_ATTR_SERVICE);
    put_service_key(buffer, SERVICE_BASE + (uint32_t)service);
    end_nest(buffer, nest);
    nest = begin_nest(buffer, IPVS_CMD_ATTR_DEST);
    uint32_t address_be = htonl(SERVER_BASE + (uint32_t)server);
    put_attr(buffer, IPVS_DEST_ATTR_ADDR, &address_be, sizeof address_be);
    put_u16(buffer, IPVS_DEST_ATTR_PORT, htons(SERVER_PORT));
    put_u32(buffer, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);
    put_u32(buffer, IPVS_DEST_ATTR_WEIGHT, 1);
    put_u32(buffer, IPVS_DEST_ATTR_U_THRESH, 0);
    put_u32(buffer, IPVS_DEST_ATTR_L_THRESH, 0);
    put_u16(buffer, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
    end_nest(buffer, nest);
    end_message(buffer, header);
}

static void open_socket(void)
{
    sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (sock < 0)
        die("socket(AF_NETLINK, NETLINK_GENERIC): %s", strerror(errno));
    int size = SOCKET_BUFFER;
    /* The FORCE variants pass wmem_max/rmem_max (root only); a send larger than sndbuf fails with EMSGSIZE. */
    if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0 &&
        setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) < 0)
        die("setsockopt(SO_SNDBUF): %s", strerror(errno));
    if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0 &&
        setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0)
        die("setsockopt(SO_RCVBUF): %s", strerror(errno));
    int on = 1;
    /* Ask for the kernel's error text; harmless where unsupported. */
    setsockopt(sock, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    struct sockaddr_nl local = { .nl_family = AF_NETLINK };
    if (bind(sock, (struct sockaddr *)&local, sizeof local) < 0)
        die("bind: %s", strerror(errno));
}

static size_t send_limit(void)
{
    int sndbuf = 0;
    socklen_t length = sizeof sndbuf;
    if (getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, &length) < 0)
        die("getsockopt(SO_SNDBUF): %s", strerror(errno));
    /* netlink_sendmsg rejects len > sk_sndbuf - 32; keep a margin. */
    size_t limit = sndbuf > 1024 ? (size_t)sndbuf - 1024 : 1024;
    return limit < SEND_BATCH ? limit : SEND_BATCH;
}

static void send_buffer(const struct request_buffer *buffer)
{
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    ssize_t sent;
    do
        sent = sendto(sock, buffer->data, buffer->used, 0, (struct sockaddr *)&kernel, sizeof kernel);
    while (sent < 0 && errno == EINTR);
    if (sent < 0)
        die("sendto (%zu bytes): %s", buffer->used, strerror(errno));
    if ((size_t)sent != buffer->used)
        die("sendto sent %zd of %zu bytes", sent, buffer->used);
}

static size_t receive(void)
{
    ssize_t received;
    do
        received = recv(sock, recv_buffer, sizeof recv_buffer, MSG_TRUNC);
    while (received < 0 && errno == EINTR);
    if (received < 0)
        die("recv: %s", strerror(errno));
    if ((size_t)received > sizeof recv_buffer)
        die("recv: reply of %zd bytes truncated to %zu", received, sizeof recv_buffer);
    return (size_t)received;
}

static const char *extended_ack_text(const struct nlmsghdr *header)
{
    if (!(header->nlmsg_flags & NLM_F_ACK_TLVS))
        return "";
    const struct nlmsgerr *error = NLMSG_DATA(header);
    size_t offset = NLMSG_HDRLEN + sizeof *error;
    if (!(header->nlmsg_flags & NLM_F_CAPPED))
        offset += error->msg.nlmsg_len - NLMSG_HDRLEN;
    while (offset + NLA_HDRLEN <= header->nlmsg_len) {
        const struct nlattr *attr = (const struct nlattr *)((const unsigned char *)header + offset);
        if (attr->nla_len < NLA_HDRLEN || offset + attr->nla_len > header->nlmsg_len)
            break;
        if ((attr->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
            return (const char *)attr + NLA_HDRLEN;
        offset += NLA_ALIGN(attr->nla_len);
    }
    return "";
}

/* Fails the run on any error reply; returns 1 once the ACK for `seq` arrived. */
static int check_error(const struct nlmsghdr *header, uint32_t seq, const char *what)
{
    const struct nlmsgerr *error = NLMSG_DATA(header);
    if (header->nlmsg_len < NLMSG_LENGTH(sizeof *error))
        die("%s: short NLMSG_ERROR (%u bytes)", what, header->nlmsg_len);
    if (error->error != 0)
        die("%s: request seq %u (cmd %u) failed: %s %s", what, error->msg.nlmsg_seq,
            ((const struct genlmsghdr *)NLMSG_DATA(&error->msg))->cmd, strerror(-error->error),
            extended_ack_text(header));
    return header->nlmsg_seq == seq;
}

static void wait_for_ack(uint32_t seq, const char *what)
{
    for (;;) {
        size_t length = receive();
        for (struct nlmsghdr *header = (struct nlmsghdr *)recv_buffer; NLMSG_OK(header, length);
             header = NLMSG_NEXT(header, length)) {
            if (header->nlmsg_type != NLMSG_ERROR)
                die("%s: unexpected reply type %u while waiting for ACK %u", what, header->nlmsg_type, seq);
            if (check_error(header, seq, what))
                return;
        }
    }
}

/* Calls on_message for every reply of the dump with sequence `seq`, until NLMSG_DONE. */
static void read_dump(uint32_t seq, const char *what, void (*on_message)(const struct nlmsghdr *, void *), void *state)
{
    for (;;) {
        size_t length = receive();
        for (struct nlmsghdr *header = (struct nlmsghdr *)recv_buffer; NLMSG_OK(header, length);
             header = NLMSG_NEXT(header, length)) {
            if (header->nlmsg_seq != seq)
                die("%s: reply seq %u, expected %u", what, header->nlmsg_seq, seq);
            if (header->nlmsg_flags & NLM_F_DUMP_INTR)
                die("%s: dump interrupted by a concurrent change", what);
            if (header->nlmsg_type == NLMSG_DONE)
                return;
            if (header->nlmsg_type == NLMSG_ERROR) {
                check_error(header, seq, what);
                continue;
            }
            on_message(header, state);
        }
    }
}

/* Walks the attributes that follow `offset` bytes of payload in `header` (or inside a nest). */
#define FOR_EACH_ATTR(attr, start, length)                                                             \
    for (const struct nlattr *attr = (const struct nlattr *)(start), *attr##_end =                     \
             (const struct nlattr *)((const unsigned char *)(start) + (length));                        \
         (const unsigned char *)attr + NLA_HDRLEN <= (const unsigned char *)attr##_end &&             \
         attr->nla_len >= NLA_HDRLEN &&                                                                 \
         (const unsigned char *)attr + attr->nla_len <= (const unsigned char *)attr##_end;            \
         attr = (const struct nlattr *)((const unsigned char *)attr + NLA_ALIGN(attr->nla_len)))

#define ATTR_DATA(attr) ((const unsigned char *)(attr) + NLA_HDRLEN)
#define ATTR_LEN(attr) ((size_t)(attr)->nla_len - NLA_HDRLEN)
#define GENL_ATTRS(header) ((const unsigned char *)NLMSG_DATA(header) + GENL_HDRLEN)
#define GENL_ATTRS_LEN(header) ((size_t)(header)->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN)

static uint16_t resolve_family(const char *name)
{
    unsigned char storage[MAX_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct request_buffer buffer = { storage, 0, sizeof storage };
    struct nlmsghdr *header = begin_message(&buffer, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY);
    ((struct genlmsghdr *)NLMSG_DATA(header))->version = 1;
    put_attr(&buffer, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
    end_message(&buffer, header);
    send_buffer(&buffer);

    uint16_t family = 0;
    for (;;) {
        size_t length = receive();
        for (struct nlmsghdr *reply = (struct nlmsghdr *)recv_buffer; NLMSG_OK(reply, length);
             reply = NLMSG_NEXT(reply, length)) {
            if (reply->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *error = NLMSG_DATA(reply);
                if (error->error != 0)
                    die("resolving generic netlink family %s: %s (is ip_vs loaded?)", name, strerror(-error->error));
                if (family == 0)
                    die("resolving generic netlink family %s: no CTRL_ATTR_FAMILY_ID in the reply", name);
                return family;
            }
            FOR_EACH_ATTR(attr, GENL_ATTRS(reply), GENL_ATTRS_LEN(reply))
                if ((attr->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID && ATTR_LEN(attr) == 2)
                    memcpy(&family, ATTR_DATA(attr), 2);
        }
    }
}

static void load_batched(long services, long servers)
{
    size_t limit = send_limit();
    struct request_buffer buffer = { malloc(limit + MAX_REQUEST), 0, limit };
    if (!buffer.data)
        die("out of memory");
    size_t last_offset = 0;

    for (long service = 0; service < services; service++) {
        for (long server = -1; server < servers; server++) {
            if (buffer.used + MAX_REQUEST > buffer.capacity) {
                struct nlmsghdr *last = (struct nlmsghdr *)(buffer.data + last_offset);
                last->nlmsg_flags |= NLM_F_ACK;
                send_buffer(&buffer);
                wait_for_ack(last->nlmsg_seq, "load");
                buffer.used = 0;
            }
            last_offset = buffer.used;
            if (server < 0)
                add_new_service(&buffer, service, 0);
            else
                add_new_dest(&buffer, service, server, 0);
        }
    }
    if (buffer.used > 0) {
        struct nlmsghdr *last = (struct nlmsghdr *)(buffer.data + last_offset);
        last->nlmsg_flags |= NLM_F_ACK;
        send_buffer(&buffer);
        wait_for_ack(last->nlmsg_seq, "load");
    }
    free(buffer.data);
}

static void load_per_ack(long services, long servers)
{
    unsigned char storage[MAX_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct request_buffer buffer = { storage, 0, sizeof storage };
    for (long service = 0; service < services; service++) {
        for (long server = -1; server < servers; server++) {
            buffer.used = 0;
            if (server < 0)
                add_new_service(&buffer, service, NLM_F_ACK);
            else
                add_new_dest(&buffer, service, server, NLM_F_ACK);
            send_buffer(&buffer);
            wait_for_ack(((struct nlmsghdr *)storage)->nlmsg_seq, "per-ack");
        }
    }
}

struct service_list {
    struct service_key *keys;
    size_t count;
    size_t capacity;
};

static void collect_service(const struct nlmsghdr *header, void *state)
{
    struct service_list *list = state;
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 1024;
        list->keys = realloc(list->keys, list->capacity * sizeof *list->keys);
        if (!list->keys)
            die("out of memory");
    }
    struct service_key *key = &list->keys[list->count];
    memset(key, 0, sizeof *key);
    int found = 0;
    FOR_EACH_ATTR(nest, GENL_ATTRS(header), GENL_ATTRS_LEN(header)) {
        if ((nest->nla_type & NLA_TYPE_MASK) != IPVS_CMD_ATTR_SERVICE)
            continue;
        found = 1;
        FOR_EACH_ATTR(attr, ATTR_DATA(nest), ATTR_LEN(nest)) {
            size_t length = ATTR_LEN(attr);
            switch (attr->nla_type & NLA_TYPE_MASK) {
            case IPVS_SVC_ATTR_AF: if (length == 2) memcpy(&key->af, ATTR_DATA(attr), 2); break;
            case IPVS_SVC_ATTR_PROTOCOL: if (length == 2) memcpy(&key->protocol, ATTR_DATA(attr), 2); break;
            case IPVS_SVC_ATTR_PORT: if (length == 2) memcpy(&key->port_be, ATTR_DATA(attr), 2); break;
            case IPVS_SVC_ATTR_FWMARK:
                if (length == 4) {
                    memcpy(&key->fwmark, ATTR_DATA(attr), 4);
                    key->has_fwmark = key->fwmark != 0;
                }
                break;
            case IPVS_SVC_ATTR_ADDR:
                if (length <= sizeof key->addr) {
                    memcpy(key->addr, ATTR_DATA(attr), length);
                    key->addr_len = (uint16_t)length;
                }
                break;
            default: break;
            }
        }
    }
    if (!found)
        die("dump: a GET_SERVICE reply without IPVS_CMD_ATTR_SERVICE");
    list->count++;
}

static void count_dest(const struct nlmsghdr *header, void *state)
{
    long *count = state;
    FOR_EACH_ATTR(nest, GENL_ATTRS(header), GENL_ATTRS_LEN(header)) {
        if ((nest->nla_type & NLA_TYPE_MASK) != IPVS_CMD_ATTR_DEST)
            continue;
        int has_address = 0;
        FOR_EACH_ATTR(attr, ATTR_DATA(nest), ATTR_LEN(nest))
            has_address |= (attr->nla_type & NLA_TYPE_MASK) == IPVS_DEST_ATTR_ADDR;
        if (!has_address)
            die("dump: a GET_DEST reply without IPVS_DEST_ATTR_ADDR");
        (*count)++;
    }
}

static long dump_table(long *service_count)
{
    unsigned char storage[MAX_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct request_buffer buffer = { storage, 0, sizeof storage };
    struct nlmsghdr *header = begin_message(&buffer, ipvs_family, NLM_F_DUMP, IPVS_CMD_GET_SERVICE);
    end_message(&buffer, header);
    send_buffer(&buffer);
    struct service_list services = { 0 };
    read_dump(header->nlmsg_seq, "service dump", collect_service, &services);

    long dests = 0;
    /* A socket runs one dump at a time: one GET_DEST dump per service, each read to NLMSG_DONE. */
    for (size_t i = 0; i < services.count; i++) {
        const struct service_key *key = &services.keys[i];
        buffer.used = 0;
        header = begin_message(&buffer, ipvs_family, NLM_F_DUMP, IPVS_CMD_GET_DEST);
        struct nlattr *nest = begin_nest(&buffer, IPVS_CMD_ATTR_SERVICE);
        put_u16(&buffer, IPVS_SVC_ATTR_AF, key->af);
        if (key->has_fwmark) {
            put_u32(&buffer, IPVS_SVC_ATTR_FWMARK, key->fwmark);
        } else {
            put_u16(&buffer, IPVS_SVC_ATTR_PROTOCOL, key->protocol);
            put_attr(&buffer, IPVS_SVC_ATTR_ADDR, key->addr, key->addr_len);
            put_u16(&buffer, IPVS_SVC_ATTR_PORT, key->port_be);
        }
        end_nest(&buffer, nest);
        end_message(&buffer, header);
        send_buffer(&buffer);
        read_dump(header->nlmsg_seq, "destination dump", count_dest, &dests);
    }
    *service_count = (long)services.count;
    free(services.keys);
    return dests;
}

static void gen_restore(long services, long servers)
{
    for (long service = 0; service < services; service++) {
        struct in_addr vip = { htonl(SERVICE_BASE + (uint32_t)service) };
        char vip_text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &vip, vip_text, sizeof vip_text);
        printf("-A -t %s:%d -s rr\n", vip_text, SERVICE_PORT);
        for (long server = 0; server < servers; server++) {
            struct in_addr rip = { htonl(SERVER_BASE + (uint32_t)server) };
            char rip_text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &rip, rip_text, sizeof rip_text);
            printf("-a -t %s:%d -r %s:%d -m -w 1\n", vip_text, SERVICE_PORT, rip_text, SERVER_PORT);
        }
    }
    if (fflush(stdout) != 0)
        die("writing the restore file: %s", strerror(errno));
}

static long parse_count(const char *text, const char *what, long max)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < 0 || value > max)
        die("%s must be a number from 0 to %ld, got '%s'", what, max, text);
    return value;
}

static void usage(void)
{
    fputs("usage: ipvs-batch-ref load|per-ack|gen-restore SERVICES SERVERS\n"
          "       ipvs-batch-ref dump [SERVICES SERVERS]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *mode = argv[1];
    int is_dump = strcmp(mode, "dump") == 0;
    if (!(argc == 4 || (is_dump && argc == 2)))
        usage();
    long services = argc == 4 ? parse_count(argv[2], "SERVICES", MAX_SERVICES) : -1;
    long servers = argc == 4 ? parse_count(argv[3], "SERVERS", MAX_SERVERS) : -1;

    if (strcmp(mode, "gen-restore") == 0) {
        gen_restore(services, servers);
        return 0;
    }
    if (!is_dump && strcmp(mode, "load") != 0 && strcmp(mode, "per-ack") != 0)
        usage();

    double start = now_seconds();
    open_socket();
    ipvs_family = resolve_family(IPVS_GENL_NAME);
    long entries;
    if (is_dump) {
        long found_services;
        long found_dests = dump_table(&found_services);
        entries = found_services + found_dests;
        if (services >= 0 && (found_services != services || found_dests != services * servers))
            die("dump: expected %ld services and %ld real servers, found %ld and %ld", services,
                services * servers, found_services, found_dests);
        if (services < 0) {
            services = found_services;
            servers = found_services > 0 ? found_dests / found_services : 0;
        }
    } else {
        if (strcmp(mode, "load") == 0)
            load_batched(services, servers);
        else
            load_per_ack(services, servers);
        entries = services + services * servers;
    }
    double seconds = now_seconds() - start;
    close(sock);

    printf("bench impl=c mode=%s services=%ld servers=%ld seconds=%.6f entries=%ld\n", mode, services, servers,
           seconds, entries);
    return 0;
}
