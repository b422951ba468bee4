/* jsonl_check FILE - every line of FILE is one whole JSON document (JSON
 * Lines, as smdecode -f json writes).  Exit 0, or 1 naming the first line
 * that is not, and where in it json-c stopped.  For tests/golden.sh: json-c
 * is a build dependency already, so the package build needs nothing more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: jsonl_check FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long no = 0;
    int status = 0;
    json_tokener *tok = json_tokener_new();
    while (status == 0 && (n = getline(&line, &cap, f)) >= 0) {
        no++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, line, (int)n);
        enum json_tokener_error e = json_tokener_get_error(tok);
        if (!o || e != json_tokener_success || json_tokener_get_parse_end(tok) < (size_t)n) {
            fprintf(stderr, "%s: line %lu is not one JSON document: %s at character %zu\n",
                    argv[1], no,
                    o                            ? "text after the document"
                    : e == json_tokener_continue ? "the line ends inside it"
                                                 : json_tokener_error_desc(e),
                    json_tokener_get_parse_end(tok) + 1);
            status = 1;
        }
        json_object_put(o);
    }
    json_tokener_free(tok);
    free(line);
    fclose(f);
    return status;
}
