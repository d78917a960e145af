#!/usr/bin/env bash
# Sourced by CI (". .ci/mysql.sh"): makes sure MariaDB runs on
# 127.0.0.1:3306 with a database aimodels_test, and exports
# AIMODELS_TEST_MYSQL_DSN. Safe to source again. The mariadb-server
# package also gives the tests mariadbd and mariadb-install-db, with which
# test/mariadbtest starts the private servers of the tests that stop or
# break a database; no test stops this one.

aimodels_mysql_setup() {
	local db="${AIMODELS_TEST_MYSQL_DB:-aimodels_test}"
	local sudo=""
	[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"

	if [ ! -x /usr/sbin/mariadbd ]; then
		echo "mysql.sh: installing mariadb-server" >&2
		$sudo apt-get update -qq || return 1
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mariadb-server mariadb-client || return 1
	fi

	if ! mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; then
		echo "mysql.sh: starting mariadbd" >&2
		$sudo mkdir -p /run/mysqld && $sudo chown mysql:mysql /run/mysqld 2>/dev/null
		$sudo start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || return 1
	fi

	local i
	for i in $(seq 1 60); do
		mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1 && break
		sleep 1
	done
	if ! mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; then
		echo "mysql.sh: MariaDB did not answer on 127.0.0.1:3306 within 60s" >&2
		return 1
	fi

	mysql --protocol=tcp -h127.0.0.1 -P3306 -uroot \
		-e "CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" || return 1

	export AIMODELS_TEST_MYSQL_DSN="root@tcp(127.0.0.1:3306)/${db}?parseTime=true&loc=UTC&charset=utf8mb4"
	echo "mysql.sh: AIMODELS_TEST_MYSQL_DSN=${AIMODELS_TEST_MYSQL_DSN}" >&2
}

aimodels_mysql_setup
