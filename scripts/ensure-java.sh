#!/usr/bin/env bash
# Make sure a Java 17+ runtime is there for DynamoDB Local (3.x needs Java 17).
# As root on a Debian-like machine (CI, a fresh container) it installs openjdk-17-jre-headless;
# anywhere else it says what to install and fails, rather than asking for a password.
set -euo pipefail

required=17
fix="Java ${required}+ is required for DynamoDB Local: apt-get install openjdk-17-jre-headless, or set JAVA_HOME"

java_major() {
    local java="$1" version
    version=$("$java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    [ -n "$version" ] || return 1
    case "$version" in
        1.*) version=${version#1.} ;;
    esac
    echo "${version%%[.+-]*}"
}

find_java() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        echo "$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        command -v java
    else
        return 1
    fi
}

java_ok() {
    local java major
    java=$(find_java) || return 1
    major=$(java_major "$java") || return 1
    [ "$major" -ge "$required" ] || { echo "found $java, which is Java $major" >&2; return 1; }
    echo "Java $major: $java"
}

if java_ok; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing openjdk-17-jre-headless with apt-get ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless
    if java_ok; then
        exit 0
    fi
fi

echo "error: $fix" >&2
exit 1
